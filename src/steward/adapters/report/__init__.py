"""The self-contained HTML evidence report: one page with inline CSS and SVG charts that opens
offline in any browser, rendered byte-for-byte the same from the same check outcomes."""

from __future__ import annotations

from steward.adapters.report.monitor import HtmlMonitorReport, render_monitor_report
from steward.adapters.report.page import HtmlReportRenderer

__all__ = ["HtmlMonitorReport", "HtmlReportRenderer", "render_monitor_report"]
