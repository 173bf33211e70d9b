/** The page's only stylesheet, inline so the file stands alone. */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 2400px; padding: 16px 24px 48px; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.lead { color: #555; margin: 0 0 8px; max-width: 1200px; }
p.headline { font-size: 16px; font-weight: 600; margin: 4px 0 8px; max-width: 1200px; padding: 8px 12px; background: #eef6ff; border-left: 4px solid #0072B2; border-radius: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart p.note { margin: 0 0 6px; }
svg.zoomable { user-select: none; -webkit-user-select: none; }
svg.zoomable .plot { cursor: crosshair; }
svg .hover-rule { stroke: #333; stroke-width: 1; stroke-dasharray: 3 3; pointer-events: none; }
svg .brush { fill: #0072B2; fill-opacity: 0.12; stroke: #0072B2; pointer-events: none; }
figcaption { font-size: 12.5px; color: #444; padding: 4px 6px 2px; }
table { border-collapse: collapse; font-size: 12.5px; background: #fff; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: right; }
td { white-space: nowrap; }
th { background: #f2f2f2; white-space: normal; vertical-align: bottom; min-width: 64px; }
td.l, th.l { text-align: left; }
table#config td { white-space: normal; max-width: 360px; }
ul.why { margin: 8px 0 0; padding-left: 20px; max-width: 1200px; }
ul.why li { margin: 2px 0; }
table#verdict-table td.run { font-weight: 600; white-space: normal; }
table#verdict-table tr.baseline { background: #f6f9fc; }
.delta { display: block; font-size: 11px; color: #777; }
.delta.good { color: #1a7f37; }
.delta.bad { color: #c0392b; }
h3 { font-size: 14px; margin: 12px 0 6px; }
.note { background: #fff8e1; border: 1px solid #f0dca0; padding: 8px 12px; border-radius: 6px; max-width: 1000px; }
.scroll { overflow-x: auto; max-width: 100%; }
.baseline-pick { display: inline-block; margin: 0 0 8px; font-size: 13px; }
#tip { position: fixed; display: none; pointer-events: none; z-index: 10; background: rgba(255,255,255,0.97); border: 1px solid #bbb; border-radius: 4px; padding: 6px 8px; font-size: 12px; line-height: 1.5; box-shadow: 0 2px 8px rgba(0,0,0,0.15); max-width: 460px; }
#tip i { display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; vertical-align: -1px; }
#tip .dim { color: #777; }
#tip .tip-head { font-weight: 600; margin-bottom: 2px; }
`;
