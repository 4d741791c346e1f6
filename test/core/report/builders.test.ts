import { describe, expect, it } from 'vitest';
import { fixed, humanize, interval, percent, points, pValue } from '../../../src/core/report/format.js';
import { el, escapeHtml, num, raw, render, svgEl, table } from '../../../src/core/report/html.js';
import { armStyle, niceTicks, PALETTE, tickDecimals, wrap } from '../../../src/core/report/svg.js';
import { parseHtml } from './support.js';

describe('numbers as the report prints them', () => {
  it('prints changes with fixed decimals, a true minus, and no negative zero', () => {
    expect(fixed(1.234, 2)).toBe('1.23');
    expect(fixed(-1.235, 2)).toBe('\u22121.24');
    expect(fixed(-0.001, 2)).toBe('0.00');
    expect(fixed(null, 2)).toBe('—');
    expect(fixed(Number.NaN, 2)).toBe('—');
    expect(fixed(Number.POSITIVE_INFINITY, 1)).toBe('—');
  });

  it('prints percentages whole and rate differences in percentage points', () => {
    expect(percent(1 / 3)).toBe('33%');
    expect(percent(0.005)).toBe('1%');
    expect(percent(0)).toBe('0%');
    expect(percent(null)).toBe('—');
    expect(points(-0.0512)).toBe('\u22125');
    expect(points(null)).toBe('—');
  });

  it('prints p-values with 3 significant digits, or "< 0.001"', () => {
    expect(pValue(0.12345)).toBe('0.123');
    expect(pValue(0.04999)).toBe('0.0500');
    expect(pValue(0.001)).toBe('0.00100');
    expect(pValue(0.000999)).toBe('< 0.001');
    expect(pValue(1e-12)).toBe('< 0.001');
    expect(pValue(1)).toBe('1.00');
    expect(pValue(null)).toBe('—');
  });

  it('prints an interval only when both limits are defined', () => {
    expect(interval(-0.5, 1.25, (v) => fixed(v, 2))).toBe('(\u22120.50, 1.25)');
    expect(interval(null, 1, (v) => fixed(v, 2))).toBe('—');
    expect(humanize('withdrawal_by_subject')).toBe('Withdrawal by subject');
  });
});

describe('markup', () => {
  it('escapes text and attribute values, and inserts only built or vouched-for markup', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const p = el(
      'p',
      { title: '"><script>', hidden: true, lang: null },
      '<b>',
      el('em', {}, 'ok'),
      raw('&nbsp;'),
    );
    expect(render(p)).toBe('<p title="&quot;&gt;&lt;script&gt;" hidden>&lt;b&gt;<em>ok</em>&nbsp;</p>');
  });

  it('self-closes empty SVG elements and refuses a non-finite coordinate', () => {
    expect(render(svgEl('rect', { x: 1.006, y: -0 }))).toBe('<rect x="1.01" y="0"/>');
    expect(() => svgEl('circle', { cx: Number.NaN })).toThrow(RangeError);
    expect(() => num(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
  });

  it('builds tables with scoped headers, right-aligned numbers and notes', () => {
    const t = render(
      table({
        caption: 'Table 1. Test',
        rowHeader: 'Arm',
        columns: [{ header: 'n', numeric: true }, { header: 'Words' }],
        rows: [{ header: 'A', cells: [3, 'x < y'], attrs: { 'data-arm': 'A' } }],
        notes: ['note', null],
      }),
    );
    expect(() => parseHtml(t)).not.toThrow();
    expect(t).toContain(
      '<th scope="col">Arm</th><th scope="col" class="num">n</th><th scope="col">Words</th>',
    );
    expect(t).toContain(
      '<tr data-arm="A"><th scope="row">A</th><td class="num">3</td><td>x &lt; y</td></tr>',
    );
    expect(t).toContain('<ul class="notes"><li>note</li></ul>');
  });
});

describe('SVG helpers', () => {
  it('chooses round ticks that enclose the data', () => {
    expect(niceTicks(-0.3, 2.7, 5)).toEqual([-1, 0, 1, 2, 3]);
    expect(niceTicks(-0.3, 1.2, 5)).toEqual([-0.5, 0, 0.5, 1, 1.5]);
    expect(niceTicks(0, 0)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(0, 18)).toEqual([0, 5, 10, 15, 20]);
    expect(tickDecimals([0, 0.5, 1])).toBe(1);
    expect(tickDecimals([0, 5, 10])).toBe(0);
    expect(() => niceTicks(Number.NaN, 1)).toThrow(RangeError);
  });

  it('wraps words to a width, keeping no-break spaces together', () => {
    expect(wrap('Allocated to CONTROL (n\u00a0=\u00a012) Celgosivir placebo', 24)).toEqual([
      'Allocated to CONTROL',
      '(n\u00a0=\u00a012) Celgosivir',
      'placebo',
    ]);
  });

  it('gives each arm a distinct colour, marker and fill, every colour at 3:1 or more on white', () => {
    const styles = Array.from({ length: 6 }, (_, i) => armStyle(i));
    for (const key of ['colour', 'marker', 'fill'] as const)
      expect(new Set(styles.map((s) => s[key])).size).toBe(6);
    const luminance = (hex: string): number => {
      const [r, g, b] = [1, 3, 5].map((i) => {
        const c = parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    };
    for (const colour of PALETTE) expect(1.05 / (luminance(colour) + 0.05), colour).toBeGreaterThanOrEqual(3);
  });
});
