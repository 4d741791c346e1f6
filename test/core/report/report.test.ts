import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, syntheticStudy, type AnalysisResult } from '../../../src/core/analysis/index.js';
import { changeValues } from '../../../src/core/analysis/efficacy.js';
import { prepareStudy } from '../../../src/core/analysis/input.js';
import { renderReport } from '../../../src/core/report/index.js';
import { buildStudy, NAIVE_PROTOCOL, OTHER_PROTOCOL, readProtocol } from '../analysis/support.js';
import { handBuiltStudy, MARKUP_SYSTEM, MARKUP_TERM, META, nrProtocol } from './study.js';
import {
  byTag,
  elementsOf,
  f2,
  findAll,
  findOne,
  numbersIn,
  p3,
  parseHtml,
  pct,
  textOf,
  type Node,
} from './support.js';

const input = handBuiltStudy();
const result = analyze(input);
const html = renderReport(input, result, META);
const doc = parseHtml(html);

/** The document without the result's own statement about statistics, which names NaN as what it avoids. */
const withoutRuleText = (page: string, r: AnalysisResult): string =>
  page.split(r.rules.undefinedStatistics.replace(/'/g, '&#39;').replace(/"/g, '&quot;')).join('');

const efficacyTable = (subset: string, population: string, endpoint: string): Node =>
  findOne(
    doc,
    byTag('table', { 'data-subset': subset, 'data-population': population, 'data-endpoint': endpoint }),
    `table ${subset} ${population} ${endpoint}`,
  );

const cellsOf = (row: Node): string[] => elementsOf(row).map(textOf);

describe('the document', () => {
  it('is one self-contained HTML5 page: no script, no external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\((?!#)/i);
    expect(html).not.toMatch(/href="(?!#)/);
    expect(findAll(doc, byTag('meta', { charset: 'utf-8' }))).toHaveLength(1);
    expect(textOf(findOne(doc, byTag('title'), 'title'))).toBe(
      'Top-line report: celgosivir-nr-phase2, data cut 2006-12-31',
    );
  });

  it('balances every tag it opens (the parser refuses stray, mismatched or unclosed tags)', () => {
    expect(() => parseHtml(html)).not.toThrow();
    expect(() => parseHtml('<div><span></div>')).toThrow(/closes <span>/);
    expect(() => parseHtml('<div><p>')).toThrow(/unclosed/);
    expect(findAll(doc, byTag('html'))).toHaveLength(1);
    expect(findAll(doc, byTag('body'))).toHaveLength(1);
  });

  it('prints NaN, undefined or Infinity nowhere', () => {
    expect(withoutRuleText(html, result)).not.toMatch(/NaN|undefined|Infinity/);
    expect(textOf(doc)).toContain(result.rules.belowLloq.statement);
  });

  it('keeps tables and figures whole in print, repeats table headers, and has no dark background', () => {
    const css = textOf(findOne(doc, byTag('style'), 'style'));
    const print = /@media print \{(.*)\}\s*$/s.exec(css)?.[1] ?? '';
    expect(print).toMatch(
      /\.table-block, table, figure[^{]*\{[^}]*break-inside: avoid;[^}]*page-break-inside: avoid/,
    );
    expect(print).toMatch(/thead \{ display: table-header-group; \}/);
    expect(print).toMatch(/h2, h3, caption \{ break-after: avoid/);
    expect(css).toMatch(/@page \{ margin: [^}]+\}/);
    expect(css).not.toMatch(/@page[^}]*size/); // fits A4 and Letter alike
    for (const m of css.matchAll(/background:\s*(#[0-9a-f]{6})/gi)) {
      const hex = m[1] ?? '#ffffff';
      const lightness = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).reduce((a, b) => a + b) / 3;
      expect(lightness, hex).toBeGreaterThan(200);
    }
  });

  it('gives every header cell a scope: columns in the head, rows in the body', () => {
    for (const t of findAll(doc, byTag('table'))) {
      for (const th of findAll(findOne(t, byTag('thead'), 'thead'), byTag('th')))
        expect(th.attrs.scope).toBe('col');
      for (const th of findAll(findOne(t, byTag('tbody'), 'tbody'), byTag('th')))
        expect(th.attrs.scope).toBe('row');
      expect(textOf(findOne(t, byTag('caption'), 'caption'))).not.toBe('');
    }
  });

  it('is deterministic: the same input, result and meta give the same bytes', () => {
    expect(renderReport(input, result, META)).toBe(html);
    expect(renderReport(input, analyze(input), META)).toBe(html);
  });

  it('refuses a result of another study or data cut', () => {
    expect(() => renderReport({ ...input, dataCut: '2006-06-30' }, result, META)).toThrow(
      /not of this input/,
    );
  });
});

describe('the title block and how to read the report', () => {
  it('names the study, its title, protocol version, data cut, time of generation and version', () => {
    const header = findOne(doc, byTag('header', { class: 'title-block' }), 'title block');
    expect(textOf(findOne(header, byTag('h1'), 'h1'))).toBe('celgosivir-nr-phase2');
    expect(textOf(findOne(header, byTag('p', { class: 'study-title' }), 'title'))).toBe(result.study.title);
    const meta = textOf(findOne(header, byTag('dl'), 'meta'));
    expect(meta).toContain('Protocol version3');
    expect(meta).toContain('Data cut2006-12-31');
    expect(meta).toContain(`Generated at${META.generatedAt}`);
    expect(meta).toContain(`trialdesk version${META.version}`);
    const arms = findAll(header, (n) => n.tag === 'tr' && n.attrs['data-arm'] !== undefined);
    expect(arms.map((r) => r.attrs['data-arm'])).toEqual(['TRIPLE', 'DOUBLE', 'CONTROL']);
    expect(textOf(arms[2] ?? doc)).toContain('CELGOSIVIR placebo + PEGIFN + RBV');
  });

  it('states the populations, the below-LLOQ rule and the small-group flag as the result does', () => {
    const box = findOne(doc, byTag('section', { id: 'how-to-read' }), 'how to read');
    const text = textOf(box);
    for (const p of result.rules.populations) expect(text).toContain(p.definition);
    expect(textOf(findOne(box, byTag('dd', { class: 'below-lloq' }), 'rule'))).toBe(
      result.rules.belowLloq.statement,
    );
    expect(text).toContain(result.rules.missingValues);
    expect(text).toContain(`fewer than ${result.rules.minimumGroupSize} subjects`);
    expect(text).toContain(result.rules.insufficientText);
  });
});

describe('the efficacy tables', () => {
  it('has one table per subset, population and endpoint, in the result’s order', () => {
    const expected = result.efficacy.flatMap((set) =>
      set.endpoints.map((e) => [set.subset.level ?? 'ALL', set.population.code, e.code].join(' ')),
    );
    const tables = findAll(doc, byTag('table', { class: 'efficacy' })).map((t) =>
      [t.attrs['data-subset'], t.attrs['data-population'], t.attrs['data-endpoint']].join(' '),
    );
    expect(tables).toEqual(expected);
    expect(tables).toHaveLength(3 * 2 * 2);
  });

  it('prints each arm’s counts, mean (SD), CI and comparison as the result has them', () => {
    for (const set of result.efficacy)
      for (const e of set.endpoints) {
        const t = efficacyTable(set.subset.level ?? 'ALL', set.population.code, e.code);
        const rows = findAll(t, (n) => n.tag === 'tr' && n.attrs['data-arm'] !== undefined);
        expect(rows.map((r) => r.attrs['data-arm'])).toEqual(e.arms.map((a) => a.arm));
        rows.forEach((row, i) => {
          const cells = cellsOf(row).slice(1);
          const counts = set.arms[i];
          if (e.kind === 'change-from-baseline') {
            const a = e.arms[i];
            if (!a || !counts) throw new Error('arm');
            expect(cells.slice(0, 4)).toEqual(
              [counts.randomized, a.inPopulation, a.n, a.imputed].map(String),
            );
            expect(cells[4]).toBe(a.mean === null ? '—' : `${f2(a.mean)} (${f2(a.sd)})`);
            expect(cells[5]).toBe(
              a.lower === null || a.upper === null ? '—' : `(${f2(a.lower)}, ${f2(a.upper)})`,
            );
            const c = e.comparisons.find((x) => x.arm === a.arm);
            if (c) {
              const ci = c.lower === null || c.upper === null ? '' : ` (${f2(c.lower)}, ${f2(c.upper)})`;
              expect(cells[6]?.startsWith(`${f2(c.difference)}${ci}`), cells[6]).toBe(true);
              expect(cells[7]).toBe(p3(c.pValue));
            } else expect(cells.slice(6)).toEqual(['reference', '—']);
          } else {
            const a = e.arms[i];
            if (!a || !counts) throw new Error('arm');
            expect(cells.slice(0, 3)).toEqual([
              String(counts.randomized),
              String(a.inPopulation),
              `${a.responders}/${a.denominator}`,
            ]);
            expect(cells[3]).toBe(
              a.rate === null ? '—' : `${pct(a.rate)} (${pct(a.lower)}, ${pct(a.upper)})`,
            );
            const c = e.comparisons.find((x) => x.arm === a.arm);
            if (c) expect(cells[6]).toBe(p3(c.pValue));
          }
        });
      }
  });

  it('formats the NR triple arm of the hand-built study as expected', () => {
    const rows = findAll(efficacyTable('NR', 'COMPLETERS', 'EVR'), byTag('tr', { 'data-arm': 'TRIPLE' }));
    // T1, T2 (TND) and T4 (<25) respond, T3 and T5 do not: 3/5 with the exact CI.
    expect(cellsOf(rows[0] ?? doc).slice(1, 5)).toEqual(['6', '5', '3/5', '60% (15%, 95%)']);
    const change = findAll(
      efficacyTable('NR', 'COMPLETERS', 'LOGRED_W12'),
      byTag('tr', { 'data-arm': 'TRIPLE' }),
    );
    expect(cellsOf(change[0] ?? doc)[5]).toBe('2.70 (2.38)'); // log10 reductions 2.30, 5.52, 0.51, 4.78, 0.40
  });

  it('flags every group and comparison the result flags as insufficient, and no other', () => {
    let flagged = 0;
    for (const set of result.efficacy)
      for (const e of set.endpoints) {
        const t = efficacyTable(set.subset.level ?? 'ALL', set.population.code, e.code);
        for (const a of e.arms) {
          const row = findOne(t, byTag('tr', { 'data-arm': a.arm }), a.arm);
          const summary = findAll(row, byTag('span', { 'data-flag': 'summary' }));
          expect(summary).toHaveLength(a.insufficient ? 1 : 0);
          if (a.insufficient) {
            flagged += 1;
            expect(textOf(summary[0] ?? doc)).toContain('insufficient for conclusions');
            expect(row.attrs.class).toBe('insufficient');
          }
          const comparison = (e.comparisons as readonly { arm: string; insufficient: unknown }[]).find(
            (c) => c.arm === a.arm,
          );
          expect(findAll(row, byTag('span', { 'data-flag': 'comparison' }))).toHaveLength(
            comparison?.insufficient ? 1 : 0,
          );
        }
      }
    expect(flagged).toBeGreaterThan(0); // the PR strata: 3 triple, 1 double, 2 control
  });

  it('says why a statistic is a dash', () => {
    const t = efficacyTable('PR', 'ITT', 'LOGRED_W12');
    const notes = textOf(findOne(doc, (n) => n.tag === 'div' && n.children.includes(t), 'block'));
    expect(notes).toContain('DOUBLE: a single value: no standard deviation or confidence interval.');
  });
});

describe('the figures', () => {
  const figures = findAll(doc, byTag('figure'));

  it('draws mean change over time, the waterfall and the CONSORT diagram, each an accessible SVG', () => {
    expect(figures.map((f) => f.attrs['data-figure'])).toEqual(['change-over-time', 'waterfall', 'consort']);
    figures.forEach((figure, i) => {
      const svg = findOne(figure, byTag('svg'), 'svg');
      expect(svg.attrs.role).toBe('img');
      const [titleId, descId] = (svg.attrs['aria-labelledby'] ?? '').split(' ');
      const title = findOne(svg, byTag('title', { id: titleId ?? '' }), 'title');
      expect(textOf(title)).toMatch(new RegExp(`^Figure ${i + 1}\\. `));
      expect(textOf(findOne(svg, byTag('desc', { id: descId ?? '' }), 'desc'))).not.toBe('');
      expect(textOf(findOne(figure, byTag('figcaption'), 'caption'))).toMatch(
        new RegExp(`^Figure ${i + 1}\\. `),
      );
    });
    const ids = findAll(doc, (n) => n.attrs.id !== undefined).map((n) => n.attrs.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses only finite coordinates', () => {
    const geometry = ['x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'width', 'height', 'dy'];
    let checked = 0;
    for (const svg of findAll(doc, byTag('svg')))
      for (const n of findAll(svg, () => true))
        for (const [name, value] of Object.entries(n.attrs))
          if (geometry.includes(name) || ['points', 'transform'].includes(name)) {
            const numbers = numbersIn(value);
            expect(numbers.length, `${n.tag} ${name}="${value}"`).toBeGreaterThan(0);
            for (const v of numbers) expect(Number.isFinite(v), `${n.tag} ${name}="${value}"`).toBe(true);
            checked += numbers.length;
          }
    expect(checked).toBeGreaterThan(500);
  });

  it('draws one panel per stratum, one line per arm, with the subjects behind each point', () => {
    const chart = findOne(doc, byTag('figure', { 'data-figure': 'change-over-time' }), 'figure 1');
    const panels = findAll(chart, byTag('g', { class: 'panel' }));
    expect(panels.map((p) => p.attrs['data-subset'])).toEqual(['NR', 'PR']);
    const nr = panels[0] ?? doc;
    expect(findAll(nr, byTag('g', { class: 'series' })).map((s) => s.attrs['data-arm'])).toEqual([
      'TRIPLE',
      'DOUBLE',
      'CONTROL',
    ]);
    const triple = findOne(nr, byTag('g', { class: 'series', 'data-arm': 'TRIPLE' }), 'triple');
    const w4 = findOne(triple, (n) => n.attrs['data-visit'] === 'W4', 'W4 point');
    expect(w4.attrs['data-n']).toBe('5'); // T1, T2, T3, T4, T6
    expect(findAll(triple, byTag('g', { class: 'ci' })).length).toBeGreaterThan(0);
  });

  it('draws one waterfall bar per subject with a week-12 value, largest first, by stratum', () => {
    const data = prepareStudy(input);
    const endpoint = input.protocol.endpoints.find((e) => e.code === 'LOGRED_W12');
    if (endpoint?.kind !== 'change-from-baseline') throw new Error('endpoint');
    const values = changeValues(data, endpoint);
    const chart = findOne(doc, byTag('figure', { 'data-figure': 'waterfall' }), 'figure 2');
    for (const level of ['NR', 'PR']) {
      const panel = findOne(chart, byTag('g', { class: 'panel', 'data-subset': level }), level);
      const bars = findAll(panel, byTag('g', { class: 'bar' }));
      const expected = data.randomized.filter(
        (s) => s.levels.PRIORRESP === level && values.get(s.id)?.change != null,
      );
      expect(bars).toHaveLength(expected.length);
      const shown = bars.map((b) => Number(b.attrs['data-value']));
      expect(shown).toEqual([...shown].sort((a, b) => b - a));
      for (const b of bars)
        expect(b.attrs['data-responder']).toBe(String(Number(b.attrs['data-value']) >= 2));
      const arms = bars.map((b) => b.attrs['data-arm']).sort();
      expect(arms).toEqual(expected.map((s) => s.arm).sort());
    }
    expect(findAll(chart, byTag('g', { class: 'threshold' }))).toHaveLength(2);
    expect(findAll(chart, (n) => n.tag === 'line' && n.attrs['stroke-dasharray'] === '6 4')).toHaveLength(2);
  });

  it('tells the arms apart by colour and by pattern, with a legend', () => {
    const chart = findOne(doc, byTag('figure', { 'data-figure': 'waterfall' }), 'figure 2');
    const fills = new Set(
      findAll(
        chart,
        (n) => n.tag === 'rect' && n.attrs.stroke !== undefined && n.attrs['stroke-width'] === '1',
      ).map((r) => r.attrs.fill),
    );
    expect(fills.size).toBe(3);
    expect(findAll(chart, byTag('pattern'))).toHaveLength(2);
    const legend = findAll(chart, (n) => n.tag === 'text' && n.attrs['data-arm'] !== undefined).map(textOf);
    expect(legend).toEqual([
      'TRIPLE: Celgosivir + peginterferon alfa-2b + ribavirin',
      'DOUBLE: Celgosivir + peginterferon alfa-2b',
      'CONTROL: Celgosivir placebo + peginterferon alfa-2b + ribavirin (control)',
    ]);
  });
});

describe('the CONSORT diagram', () => {
  const { consort } = result.disposition;
  const chart = findOne(doc, byTag('figure', { 'data-figure': 'consort' }), 'figure 3');
  const box = (key: string, arm?: string): Node =>
    findOne(
      chart,
      (n) => n.attrs['data-key'] === key && (arm === undefined || n.attrs['data-arm'] === arm),
      `${key} ${arm ?? ''}`,
    );

  it('shows the result’s counts for enrolment', () => {
    expect(box('screened').attrs['data-n']).toBe(String(consort.screened));
    expect(textOf(box('screened'))).toBe(`Assessed for eligibility (n = ${consort.screened})`);
    expect(textOf(box('excluded'))).toContain(`Screen failures (n = ${consort.screenFailures})`);
    expect(textOf(box('excluded'))).toContain(
      `Eligible, not randomized (n = ${consort.eligibleNotRandomized})`,
    );
    expect(textOf(box('randomized'))).toBe(`Randomized (n = ${consort.randomized})`);
    expect([
      consort.screened,
      consort.screenFailures,
      consort.eligibleNotRandomized,
      consort.randomized,
    ]).toEqual([25, 2, 1, 22]);
  });

  it('shows each arm’s allocation, follow-up and analysis as the result has them', () => {
    for (const a of consort.arms) {
      expect(box('allocated', a.arm).attrs['data-n']).toBe(String(a.allocated));
      expect(textOf(box('allocated', a.arm))).toContain(`Allocated to ${a.arm} (n = ${a.allocated})`);
      const follow = box('follow-up', a.arm);
      expect([
        follow.attrs['data-completed'],
        follow.attrs['data-discontinued'],
        follow.attrs['data-ongoing'],
      ]).toEqual([a.completed, a.discontinued, a.ongoing].map(String));
      expect(textOf(follow)).toContain(`Discontinued (n = ${a.discontinued})`);
      for (const p of a.analysed)
        expect(textOf(box('analysed', a.arm))).toContain(`${p.population} (n = ${p.n})`);
    }
    expect(textOf(box('follow-up', 'TRIPLE'))).toContain('adverse event (n = 1)');
  });
});

describe('safety, discontinuations and the extension', () => {
  it('counts subjects with adverse events per arm with their share', () => {
    const overview = findOne(doc, byTag('table', { 'data-table': 'overview' }), 'overview');
    const rows = findAll(findOne(overview, byTag('tbody'), 'tbody'), byTag('tr'));
    const s = result.safety;
    const share = (n: number, of: number): string => (of === 0 ? String(n) : `${n} (${pct(n / of)})`);
    const expectRow = (
      row: Node | undefined,
      counts: { counts: { subjects: number; proportion: number | null }[]; total: number },
    ) => {
      const cells = cellsOf(row ?? doc).slice(1);
      counts.counts.forEach((c, i) =>
        expect(cells[i]).toBe(
          c.proportion === null ? String(c.subjects) : `${c.subjects} (${pct(c.proportion)})`,
        ),
      );
      expect(cells[counts.counts.length]).toBe(share(counts.total, 22));
    };
    expect(cellsOf(rows[0] ?? doc)[0]).toBe('Any adverse event');
    expectRow(rows[0], s.anyEvent);
    expectRow(rows[1], s.serious);
    expect(cellsOf(rows[0] ?? doc)).toEqual(['Any adverse event', '2 (22%)', '0 (0%)', '1 (14%)', '3 (14%)']);
    expect(textOf(overview)).toContain('TRIPLE (N = 9)');
    expect(textOf(overview)).toContain('Peginterferon alfa-2b powder for solution (PEGETRON) (PEGIFN)');
    const grades = findOne(doc, byTag('table', { 'data-table': 'maximum-grade' }), 'grades');
    expect(findAll(findOne(grades, byTag('tbody'), 'tbody'), byTag('tr')).map((r) => cellsOf(r)[0])).toEqual([
      'Grade 1',
      'Grade 2',
      'Grade 3',
      'Grade 4',
      'Grade 5',
      'No adverse event',
    ]);
  });

  it('escapes the terms and body systems investigators type', () => {
    expect(html).not.toContain('<b>Nausea');
    expect(html).not.toContain("<script>alert('GI')");
    expect(html).toContain('&lt;b&gt;Nausea&lt;/b&gt; &amp; &quot;retching&quot;');
    const terms = findOne(doc, byTag('table', { 'data-table': 'terms' }), 'terms');
    const headers = findAll(terms, byTag('th', { scope: 'row' })).map(textOf);
    expect(headers).toContain(MARKUP_TERM);
    expect(headers).toContain(MARKUP_SYSTEM);
    expect(headers).toContain('Body system not coded');
    expect(textOf(findOne(doc, byTag('p', { class: 'study-title' }), 'title'))).toContain(
      '<i>(draft)</i> & "top-line"',
    );
    expect(html).toContain('&lt;i&gt;(draft)&lt;/i&gt; &amp; &quot;top-line&quot;');
  });

  it('lists discontinuations by reason and the drug named', () => {
    const t = findOne(doc, byTag('table', { 'data-table': 'discontinuations' }), 'discontinuations');
    const rows = findAll(findOne(t, byTag('tbody'), 'tbody'), byTag('tr')).map(cellsOf);
    expect(rows).toEqual([
      ['Any discontinuation', '1 (11%)', '0 (0%)', '0 (0%)', '1 (5%)'],
      ['Adverse event', '1 (11%)', '0 (0%)', '0 (0%)', '1 (5%)'],
      [
        'Attributed to Peginterferon alfa-2b powder for solution (PEGETRON) (PEGIFN)',
        '1 (11%)',
        '0 (0%)',
        '0 (0%)',
        '1 (5%)',
      ],
    ]);
  });

  it('shows the extension’s elections, arms and weeks on treatment', () => {
    const x = result.extension;
    if (!x) throw new Error('extension');
    const section = findOne(doc, byTag('section', { id: 'extension' }), 'extension');
    expect(textOf(section)).toContain(
      `Of ${x.completedMainPhase} subjects who completed the main phase, ${x.continued} elected to continue`,
    );
    const weeks = findOne(section, byTag('table', { 'data-table': 'weeks' }), 'weeks');
    for (const b of x.weeksOnTreatment.buckets)
      expect(cellsOf(findOne(weeks, byTag('tr', { 'data-bucket': b.code }), b.code))[1]).toBe(
        String(b.subjects),
      );
    const elections = findOne(section, byTag('table', { 'data-table': 'elections' }), 'elections');
    expect(textOf(elections)).toContain('SWITCH: DOUBLE to TRIPLE');
  });
});

describe('studies of other shapes', () => {
  it('renders a study without strata or extension in one panel, without an extension section', () => {
    const protocol = readProtocol(OTHER_PROTOCOL);
    const study = syntheticStudy(protocol, { subjects: 30, seed: 5 });
    const page = renderReport(study, analyze(study), META);
    const tree = parseHtml(page);
    expect(findAll(tree, byTag('section', { id: 'extension' }))).toHaveLength(0);
    const panels = findAll(tree, byTag('g', { class: 'panel' }));
    expect(panels.map((p) => p.attrs['data-subset'])).toEqual(['ALL', 'ALL']);
    expect(withoutRuleText(page, analyze(study))).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('renders the treatment-naive study with its interim analyses and two arms', () => {
    const protocol = readProtocol(NAIVE_PROTOCOL);
    const study = syntheticStudy(protocol, { subjects: 40, seed: 9 });
    const r = analyze(study);
    const tree = parseHtml(renderReport(study, r, META));
    expect(findAll(tree, byTag('table', { class: 'efficacy' }))).toHaveLength(3 * 3);
    const w4 = findOne(
      tree,
      byTag('table', { 'data-endpoint': 'LOGRED_W4', 'data-population': 'ITT' }),
      'W4',
    );
    expect(textOf(findOne(w4, byTag('caption'), 'caption'))).toContain('Interim analysis at week 4');
    expect(findAll(tree, byTag('figure')).map((f) => f.attrs['data-figure'])).toEqual([
      'change-over-time',
      'waterfall',
      'consort',
    ]);
  });

  it('renders a study with no subjects yet: dashes and empty panels, no NaN', () => {
    const empty = buildStudy(nrProtocol(), [], { screenFailures: 1 });
    const r = analyze(empty);
    const page = renderReport(empty, r, META);
    const tree = parseHtml(page);
    expect(withoutRuleText(page, r)).not.toMatch(/NaN|undefined|Infinity/);
    expect(findAll(tree, byTag('g', { class: 'bar' }))).toHaveLength(0);
    expect(page).toContain('No subject has a value');
    expect(page).toContain('No adverse events up to the data cut.');
  });
});

describe('the sample report', () => {
  it('writes a synthetic celgosivir-nr study’s report to test-artifacts/report-sample.html', () => {
    const study = syntheticStudy(nrProtocol(), { subjects: 57, seed: 2006 });
    const r = analyze(study);
    const page = renderReport(study, r, META);
    expect(() => parseHtml(page)).not.toThrow();
    expect(withoutRuleText(page, r)).not.toMatch(/NaN|undefined|Infinity/);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/report-sample.html', page);
  });
});
