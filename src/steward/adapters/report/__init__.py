"""The self-contained HTML reports: one page with inline CSS and SVG charts that opens offline
in any browser, rendered byte-for-byte the same from the same inputs.

The evidence report's renderer is `page.HtmlReportRenderer`, the monitoring report's is
`monitor.render_monitor_report`. This package imports neither when it loads: commands that
never render a page (such as `steward monitor ingest`) do not pay for the rendering code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from steward.services.monitor_reads import MonitorHistory


class HtmlMonitorReport:
    """The `MonitorReportRenderer` port; the rendering code is imported on first use."""

    def render(self, history: MonitorHistory) -> str:
        from steward.adapters.report.monitor import render_monitor_report

        return render_monitor_report(history)


__all__ = ["HtmlMonitorReport"]
