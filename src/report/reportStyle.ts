/** The page's only stylesheet, inline so the file stands alone. */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1560px; padding: 16px 24px 48px; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.lead { color: #555; margin: 0 0 8px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; max-width: 736px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12.5px; color: #444; padding: 4px 6px 2px; }
table { border-collapse: collapse; font-size: 12.5px; background: #fff; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: right; white-space: nowrap; }
th { background: #f2f2f2; }
td.l, th.l { text-align: left; }
table#config td { white-space: normal; max-width: 360px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
.note { background: #fff8e1; border: 1px solid #f0dca0; padding: 8px 12px; border-radius: 6px; max-width: 1000px; }
.scroll { overflow-x: auto; }
`;
