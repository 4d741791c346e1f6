import type { AnalysisResult } from '../analysis/result-schema.js';
import type { ChangeOverTime, TimePoint, Waterfall, WaterfallBar } from './figures.js';
import { change, fixed } from './format.js';
import { svgEl, type Markup } from './html.js';
import {
  armStyle,
  bar,
  errorBar,
  fillOf,
  fillPattern,
  group,
  INK,
  linearScale,
  lines,
  marker,
  niceTicks,
  polyline,
  segment,
  svgFigure,
  text,
  textWidth,
  tickDecimals,
  xAxis,
  yAxis,
  type ArmStyle,
} from './svg.js';

// The report's charts: mean change over time with confidence intervals, and the waterfall of
// individual changes. Both share one y scale across their panels, so panels compare at a glance.

const WIDTH = 720;
const MARGIN = 12;
const AXIS_LEFT = 48;

type Arms = AnalysisResult['arms'];

/** What "change" means on the axis: the direction the endpoint reports. */
const changeWord = (direction: 'reduction' | 'increase'): string =>
  direction === 'reduction' ? 'reduction' : 'change';

/** A legend of the arms, one per line: a sample of the line or fill, then code and name. */
function legend(
  arms: Arms,
  y: number,
  sample: (style: ArmStyle, index: number, x: number, y: number) => Markup,
): Markup {
  return group(
    { class: 'legend' },
    arms.map((arm, i) => {
      const rowY = y + i * 18;
      const label = `${arm.code}: ${arm.name}${arm.control ? ' (control)' : ''}`;
      return group(
        {},
        sample(armStyle(i), i, MARGIN, rowY),
        text(MARGIN + 40, rowY + 4, label, { 'data-arm': arm.code }),
      );
    }),
  );
}

/** The y scale and ticks over values and the lines (0, a threshold) that must show. */
function valueScale(values: readonly number[], top: number, bottom: number) {
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values), 5);
  const scale = linearScale([ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1], [bottom, top]);
  const decimals = tickDecimals(ticks);
  return { ticks, scale, format: (v: number) => fixed(v, decimals) };
}

/**
 * Figure: mean change from baseline by visit and arm, each point with its 95% CI (arms dodged
 * sideways so the intervals do not hide each other), one panel per stratum; under each panel, the
 * number of subjects behind each point.
 */
export function changeOverTimeChart(figure: ChangeOverTime, arms: Arms, id: string, title: string): Markup {
  const columns = Math.min(2, figure.panels.length);
  const rows = Math.ceil(figure.panels.length / columns);
  const legendHeight = arms.length * 18 + 8;
  const plotTop = 24; // within a panel: title above the plot
  const plotHeight = 220;
  const nRows = arms.length * 14 + 34;
  const panelHeight = plotTop + plotHeight + 30 + nRows;
  const top = MARGIN + legendHeight + 24;
  const height = top + rows * panelHeight + MARGIN;
  const panelWidth = (WIDTH - 2 * MARGIN) / columns;

  const values = figure.panels.flatMap((p) =>
    p.series.flatMap((s) => s.points.flatMap((pt) => [pt.mean, pt.lower, pt.upper])),
  );
  const y = valueScale(
    values.filter((v): v is number => v !== null),
    top + plotTop,
    top + plotTop + plotHeight,
  );
  const codeWidth = Math.max(...arms.map((a) => textWidth(a.code, 11)));
  const days = figure.visits.map((v) => v.day);
  const first = Math.min(...days);
  const last = Math.max(...days);

  const panels = figure.panels.map((panel, p) => {
    // Each panel is drawn in the first row's coordinates and moved down to its row.
    const left = MARGIN + (p % columns) * panelWidth;
    const dy = Math.floor(p / columns) * panelHeight;
    // Room at the left for the tick labels and for the arm codes of the counts under the plot.
    const x0 = left + Math.max(AXIS_LEFT, codeWidth + 26);
    const x1 = left + panelWidth - 18;
    const x = linearScale([first, last], [x0 + 10, x1 - 10]);
    const dodge = (i: number): number => (i - (arms.length - 1) / 2) * 5;
    const plotBottom = top + plotTop + plotHeight;
    const series = panel.series.map((s, i) => {
      const style = armStyle(arms.findIndex((a) => a.code === s.arm));
      const shown = s.points.filter((pt): pt is TimePoint & { mean: number } => pt.mean !== null);
      const at = (pt: TimePoint): number => x(pt.day) + dodge(i);
      return group(
        { class: 'series', 'data-arm': s.arm },
        polyline(
          shown.map((pt) => [at(pt), y.scale(pt.mean)]),
          { stroke: style.colour, 'stroke-width': 2, 'stroke-dasharray': style.dash },
        ),
        shown.map((pt) =>
          pt.lower !== null && pt.upper !== null
            ? errorBar(at(pt), y.scale(pt.lower), y.scale(pt.upper), 3, { stroke: style.colour })
            : null,
        ),
        shown.map((pt) =>
          marker(style.marker, at(pt), y.scale(pt.mean), 4.5, {
            fill: style.colour,
            stroke: '#ffffff',
            'stroke-width': 1,
            class: 'point',
            'data-visit': pt.visit,
            'data-n': pt.n,
          }),
        ),
      );
    });
    const nTop = plotBottom + 46;
    const counts = group(
      { class: 'n-at-visit' },
      text(left + 4, nTop - 2, 'Subjects with a value (n)', { 'font-size': 11 }),
      panel.series.map((s, i) =>
        group(
          {},
          text(left + 4, nTop + 14 * (i + 1), s.arm, { 'font-size': 11 }),
          s.points.map((pt) =>
            text(x(pt.day), nTop + 14 * (i + 1), String(pt.n), { anchor: 'middle', 'font-size': 11 }),
          ),
        ),
      ),
    );
    return group(
      {
        class: 'panel',
        'data-subset': panel.subset.level ?? 'ALL',
        transform: dy === 0 ? undefined : `translate(0 ${dy})`,
      },
      text(x0, top + 14, panel.subset.label, { 'font-weight': 'bold' }),
      yAxis({ scale: y.scale, ticks: y.ticks, x: x0, gridTo: x1, format: y.format }),
      xAxis({
        y: plotBottom,
        x1: x0,
        x2: x1,
        ticks: figure.visits.map((v) => ({ x: x(v.day), label: v.code })),
      }),
      series,
      counts,
    );
  });

  const axisTitle = `Mean ${changeWord(figure.direction)} from ${figure.baselineVisit} in ${
    figure.transform === 'log10' ? 'log10 ' : ''
  }${figure.measureLabel}, ${figure.unit}, with 95% CI`;
  return svgFigure(
    { id, width: WIDTH, height, title, description: describeOverTime(figure) },
    legend(arms, MARGIN + 8, (style, _i, lx, ly) =>
      group(
        {},
        segment(lx, ly, lx + 30, ly, {
          stroke: style.colour,
          'stroke-width': 2,
          'stroke-dasharray': style.dash,
        }),
        marker(style.marker, lx + 15, ly, 4.5, { fill: style.colour, stroke: '#ffffff' }),
      ),
    ),
    text(MARGIN, top - 6, axisTitle, { 'font-style': 'italic' }),
    panels,
  );
}

/** The figure in words, for screen readers: each arm's mean at the last visit of each panel. */
function describeOverTime(figure: ChangeOverTime): string {
  const lastVisit = figure.visits[figure.visits.length - 1]?.code ?? '';
  const panels = figure.panels.map((panel) => {
    const means = panel.series.map((s) => {
      const pt = s.points[s.points.length - 1];
      return `${s.arm} ${change(pt?.mean ?? null)} (n = ${pt?.n ?? 0})`;
    });
    return `${panel.subset.label}: ${means.join(', ')}`;
  });
  return (
    `Mean ${changeWord(figure.direction)} from ${figure.baselineVisit} in ${figure.unit} at each visit, ` +
    `by arm, with 95% confidence intervals. At ${lastVisit}: ${panels.join('; ')}.`
  );
}

/**
 * Figure: every subject's change at the endpoint visit as a bar, largest first, filled by arm (colour
 * and pattern), a ring on values that use a result below the LLOQ, and the responder threshold as a
 * dashed line; one panel per stratum, on one y scale.
 */
export function waterfallChart(figure: Waterfall, arms: Arms, id: string, title: string): Markup {
  const legendHeight = (arms.length + 1) * 18 + 8;
  const plotHeight = 200;
  const panelHeight = 26 + plotHeight + 34;
  const top = MARGIN + legendHeight + 24;
  const height = top + figure.panels.length * panelHeight + MARGIN;
  const threshold = figure.responder?.threshold ?? null;
  const values = figure.panels.flatMap((p) => p.bars.map((b) => b.change));
  if (threshold !== null) values.push(threshold);
  const x0 = MARGIN + AXIS_LEFT;
  const x1 = WIDTH - MARGIN - 110;
  const patterns = arms.map((_, i) => fillPattern(`${id}-fill-${i}`, armStyle(i)));

  const panels = figure.panels.map((panel, p) => {
    const panelTop = top + p * panelHeight;
    const y = valueScale(values, panelTop + 26, panelTop + 26 + plotHeight);
    const slot = (x1 - x0) / Math.max(1, panel.bars.length);
    const width = Math.min(22, slot * 0.8);
    const zero = y.scale(0);
    const responders = panel.bars.filter((b) => b.responder === true).length;
    return group(
      { class: 'panel', 'data-subset': panel.subset.level ?? 'ALL' },
      text(x0, panelTop + 14, `${panel.subset.label} (${panel.bars.length} subjects with a value)`, {
        'font-weight': 'bold',
      }),
      yAxis({ scale: y.scale, ticks: y.ticks, x: x0, gridTo: x1, format: y.format }),
      panel.bars.length === 0
        ? text((x0 + x1) / 2, zero - 8, 'No subject has a value', { anchor: 'middle' })
        : null,
      panel.bars.map((b, i) => drawBar(b, i, { x0, slot, width, zero, scale: y.scale, id, arms })),
      threshold === null
        ? null
        : group(
            { class: 'threshold' },
            segment(x0, y.scale(threshold), x1, y.scale(threshold), {
              'stroke-dasharray': '6 4',
              'stroke-width': 1.5,
            }),
            lines(
              x1 + 6,
              y.scale(threshold) + 4,
              [
                `${figure.responder?.endpoint ?? ''} threshold ${String(threshold)}`,
                `${responders} of ${panel.bars.length} subjects`,
                'at or above it',
              ],
              { 'font-size': 11, lineHeight: 13 },
            ),
          ),
      text((x0 + x1) / 2, panelTop + 26 + plotHeight + 20, 'Subjects, ordered by change (largest first)', {
        anchor: 'middle',
        'font-size': 11,
      }),
    );
  });

  const axisTitle = `${figure.label} (${figure.unit})`;
  const legendRows = legend(arms, MARGIN + 8, (style, i, lx, ly) =>
    svgEl('rect', {
      x: lx,
      y: ly - 6,
      width: 30,
      height: 12,
      fill: fillOf(style, `${id}-fill-${i}`),
      stroke: style.colour,
      'stroke-width': 1.2,
    }),
  );
  const ringY = MARGIN + 8 + arms.length * 18;
  return svgFigure(
    { id, width: WIDTH, height, title, description: describeWaterfall(figure) },
    svgEl('defs', {}, patterns),
    legendRows,
    group(
      { class: 'legend' },
      svgEl('circle', {
        cx: MARGIN + 15,
        cy: ringY,
        r: 3.5,
        fill: '#ffffff',
        stroke: INK,
        'stroke-width': 1.4,
      }),
      text(MARGIN + 40, ringY + 4, 'value uses a result below the LLOQ or not detected (imputed)'),
    ),
    text(MARGIN, top - 6, axisTitle, { 'font-style': 'italic' }),
    panels,
  );
}

function drawBar(
  b: WaterfallBar,
  i: number,
  at: {
    readonly x0: number;
    readonly slot: number;
    readonly width: number;
    readonly zero: number;
    readonly scale: (v: number) => number;
    readonly id: string;
    readonly arms: Arms;
  },
): Markup {
  const index = at.arms.findIndex((a) => a.code === b.arm);
  const style = armStyle(index);
  const cx = at.x0 + at.slot * (i + 0.5);
  const end = at.scale(b.change);
  // A bar of zero height still shows: a hairline in the arm's colour.
  const ring = b.imputed
    ? svgEl('circle', {
        cx,
        cy: end + (b.change >= 0 ? -5 : 5),
        r: Math.min(3.5, at.width / 2 + 1),
        fill: '#ffffff',
        stroke: INK,
        'stroke-width': 1.2,
      })
    : null;
  return group(
    {
      class: 'bar',
      'data-arm': b.arm,
      'data-value': b.change.toFixed(4),
      'data-responder': b.responder === null ? undefined : String(b.responder),
    },
    bar(cx - at.width / 2, at.zero, end, at.width, {
      fill: fillOf(style, `${at.id}-fill-${index}`),
      stroke: style.colour,
      'stroke-width': 1,
    }),
    ring,
  );
}

function describeWaterfall(figure: Waterfall): string {
  const panels = figure.panels.map((panel) => {
    const responders = panel.bars.filter((b) => b.responder === true).length;
    const threshold = figure.responder ? `, ${responders} at or above ${figure.responder.threshold}` : '';
    return `${panel.subset.label}: ${panel.bars.length} subjects${threshold}`;
  });
  return (
    `Each subject's ${changeWord(figure.direction)} from ${figure.baselineVisit} to ${figure.visit} ` +
    `(${figure.unit}) as a bar, largest first, by arm. ${panels.join('; ')}.`
  );
}
