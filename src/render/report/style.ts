// The report's stylesheet: system fonts for text (nothing to download), KaTeX's own for formulas.
export const STYLE = `
body { margin: 0; background: #fafafa; color: #1d1d1f;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 16px; margin: 24px 0 6px; }
pre, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #fff; border: 1px solid #e3e3e3; padding: 10px 12px; overflow-x: auto; }
.command { color: #555; margin-top: 0; }
.note { color: #555; font-size: 13px; margin: 2px 0; }
.absent { color: #777; font-style: italic; }
figure.chart { margin: 8px 16px 16px 0; background: #fff; border: 1px solid #e3e3e3; padding: 8px;
  display: inline-block; vertical-align: top; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #444; margin-top: 4px; max-width: 520px; }
.grid { display: flex; flex-wrap: wrap; align-items: flex-start; }
table.terms { border-collapse: collapse; background: #fff; width: 100%; }
table.terms th, table.terms td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left;
  vertical-align: middle; }
table.terms td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.terms td.formula { overflow-x: auto; max-width: 760px; }
table.terms tr.rest td { color: #666; font-style: italic; }
ul.laws { padding-left: 20px; }
.ok { color: #1a7f37; font-weight: 600; }
.fail { color: #c0392b; font-weight: 600; }
details { margin: 2px 0 2px 16px; }
summary { cursor: pointer; }
.tree { font-size: 13px; background: #fff; border: 1px solid #e3e3e3; padding: 8px; overflow-x: auto; }
.tree .leaf { margin: 2px 0 2px 32px; white-space: nowrap; }
.tree summary { white-space: nowrap; }
.tree .share { color: #666; display: inline-block; min-width: 48px; }
.tree .rest { color: #666; font-style: italic; }
`;
