// The report's stylesheet: black on white, thin rules, tabular figures; flags carry words and a
// border, never colour alone. The print rules keep each table and figure on one page, repeat table
// headers on long tables, and fit A4 and US Letter alike (no page size is forced).

export const STYLESHEET = `
:root { color: #111111; background: #ffffff; }
* { box-sizing: border-box; }
body {
  margin: 0;
  font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #111111;
  background: #ffffff;
}
main { max-width: 190mm; margin: 0 auto; padding: 10mm 8mm 16mm; }
h1 { font-size: 19pt; margin: 0 0 2pt; }
h2 { font-size: 14pt; margin: 20pt 0 6pt; border-bottom: 1.5px solid #111111; padding-bottom: 2pt; }
h3 { font-size: 11.5pt; margin: 14pt 0 4pt; }
p { margin: 4pt 0 8pt; }
.study-title { font-size: 11.5pt; margin: 2pt 0 8pt; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 1pt 12pt; margin: 6pt 0 10pt; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; }
.how-to-read { border: 1.5px solid #0072b2; background: #f2f7fb; padding: 6pt 10pt; margin: 10pt 0; }
.how-to-read h2 { border: 0; margin: 2pt 0 4pt; font-size: 12pt; }
.how-to-read dt { font-weight: 600; margin-top: 4pt; }
.how-to-read dd { margin: 0 0 2pt 12pt; }
.warnings { border: 1px solid #8a4b00; padding: 4pt 10pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 0 0 2pt; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 2pt 0 4pt; }
.caption-detail { font-weight: 400; color: #333333; }
th, td { text-align: left; vertical-align: top; padding: 2pt 5pt; border-bottom: 1px solid #c8c8c8; }
thead th { border-top: 1.5px solid #111111; border-bottom: 1.5px solid #111111; font-weight: 600; }
tbody th { font-weight: 400; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.system th { font-weight: 600; }
tr.term th, tr.sub th { padding-left: 16pt; }
tr.total th, tr.total td { border-top: 1.5px solid #111111; font-weight: 600; }
.arm { font-weight: 600; }
.muted { color: #444444; }
.flag {
  display: inline-block;
  margin-top: 1pt;
  padding: 0 3pt;
  border: 1px solid #8a4b00;
  background: #fff4e0;
  color: #5c3200;
  font-size: 8pt;
  font-weight: 600;
  white-space: normal;
}
tr.insufficient > th { border-left: 3px solid #8a4b00; }
.table-block { margin: 6pt 0 12pt; }
.notes { font-size: 8.5pt; color: #333333; margin: 2pt 0 0; padding-left: 12pt; }
.notes li { margin: 0; }
figure { margin: 12pt 0; }
figcaption { font-size: 9pt; margin-top: 4pt; }
svg.chart { display: block; width: 100%; max-width: 720px; height: auto; }
svg.chart text { font-family: inherit; }
nav.contents ol { margin: 2pt 0; }
a { color: #0b4f8a; }
footer { margin-top: 18pt; font-size: 8.5pt; color: #333333; border-top: 1px solid #c8c8c8; padding-top: 4pt; }
@page { margin: 14mm 12mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  nav.contents { display: none; }
  a { color: inherit; text-decoration: none; }
  .table-block, table, figure, .how-to-read, .title-block, svg.chart {
    break-inside: avoid;
    page-break-inside: avoid;
  }
  h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  section.major { break-before: page; page-break-before: always; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
