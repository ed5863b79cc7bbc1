"""The report's stylesheet: inline, system fonts only (nothing to fetch), and a print layout
that starts each check on a new page and keeps the colours of badges and shaded cells."""

from __future__ import annotations

STYLESHEET = """
:root {
  --ink: #1f2933; --muted: #616e7c; --faint: #9aa5b1; --rule: #d9dee4; --band: #f5f7fa;
  --accent: #0b4f8a; --pass: #17693a; --pass-bg: #e3f4ea; --fail: #a61b1b; --fail-bg: #fde8e8;
  --warn: #8a5a00; --warn-bg: #fff4d6;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: #ffffff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 1040px; margin: 0 auto; padding: 32px 28px 48px; }
header.report { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 24px; }
header.report .kicker {
  margin: 0; color: var(--muted); font-size: 12px; letter-spacing: .08em; text-transform: uppercase;
}
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 8px; }
h2 { font-size: 20px; margin: 0 0 8px; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 15px; margin: 22px 0 8px; color: var(--accent); }
h4 { font-size: 14px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.verdict { font-size: 15px; margin: 4px 0 0; }
.muted { color: var(--muted); }
.summary { font-size: 15px; }
section.block { margin: 0 0 28px; }
section.check { border-top: 1px solid var(--rule); padding-top: 20px; margin: 32px 0 0; }
.index {
  display: inline-block; min-width: 28px; padding: 2px 6px; border-radius: 4px;
  background: var(--accent); color: #ffffff; font-size: 14px; text-align: center;
}
a { color: var(--accent); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
table.data { width: 100%; }
table caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 5px 10px; text-align: left; vertical-align: top; }
table.data thead th {
  background: var(--band); border-bottom: 2px solid var(--rule); font-weight: 600; white-space: nowrap;
}
table.data tbody tr { border-bottom: 1px solid var(--rule); }
table.facts th, table.kv th { color: var(--muted); font-weight: 600; padding-left: 0; white-space: nowrap; }
table.facts td, table.kv td { word-break: break-word; }
table.kv { border-left: 2px solid var(--rule); margin: 2px 0; }
table.kv th { padding-left: 8px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.empty { color: var(--muted); font-style: italic; }
tr.small td { color: var(--muted); background: repeating-linear-gradient(
  -45deg, #ffffff, #ffffff 6px, #f3f4f6 6px, #f3f4f6 12px); }
tr.failed td:first-child { box-shadow: inset 3px 0 0 var(--fail); }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  white-space: nowrap; border: 1px solid transparent;
}
.badge.pass { color: var(--pass); background: var(--pass-bg); border-color: #b5dfc4; }
.badge.fail { color: var(--fail); background: var(--fail-bg); border-color: #f3b8b8; }
.badge.unknown { color: var(--muted); background: var(--band); border-color: var(--rule); }
.badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #f0d48a; }
.notice { padding: 8px 12px; border-left: 4px solid var(--accent); background: var(--band); }
.notice.warning { border-left-color: var(--warn); background: var(--warn-bg); }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure.chart { margin: 8px 0 16px; max-width: 100%; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; max-width: 640px; }
.charts figcaption { max-width: 340px; }
table.confusion td, table.confusion th { text-align: center; min-width: 110px; }
table.confusion td { font-variant-numeric: tabular-nums; font-size: 15px; padding: 14px 10px; }
table.confusion td small { display: block; font-size: 11px; opacity: .85; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 24px; }
.side-by-side > * { flex: 1 1 300px; min-width: 0; }
ul.examples { margin: 2px 0 8px; padding-left: 20px; font-size: 13px; }
dl.examples dt { font-weight: 600; margin-top: 8px; }
dl.examples dd { margin: 0 0 0 16px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
footer.report { margin-top: 40px; border-top: 1px solid var(--rule); padding-top: 10px;
  color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { font-size: 10pt; }
  .page { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.check { break-before: page; border-top: none; padding-top: 0; margin-top: 0; }
  h2, h3, h4 { break-after: avoid; }
  figure.chart, tr, .notice { break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""
