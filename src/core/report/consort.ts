import type { AnalysisResult } from '../analysis/result-schema.js';
import { humanize } from './format.js';
import type { Attrs, Markup } from './html.js';
import { arrow, box, FONT_SIZE, segment, svgFigure, text, wrap } from './svg.js';

// The CONSORT flow diagram (CONSORT 2010, figure 1): enrolment, allocation, follow-up and analysis,
// drawn from `result.disposition` only, so its counts are the result's. Each box carries its count
// in data-* attributes as well as in its text.

const WIDTH = 720;
const MARGIN = 12;
const GAP = 14;
const LINE = FONT_SIZE * 1.25;
const PADDING = 14;

/** Characters that fit on a line of a box this wide (about 0.56 em a character, plus padding). */
const charsFor = (width: number): number => Math.max(8, Math.floor((width - 12) / (FONT_SIZE * 0.56)));

const heightFor = (lineCount: number): number => lineCount * LINE + PADDING;

interface Box {
  readonly lines: readonly string[];
  readonly attrs: Attrs;
}

/** Lines of a box: each entry wrapped to the box's width. */
const boxLines = (entries: readonly string[], width: number): string[] =>
  entries.flatMap((entry) => wrap(entry, charsFor(width)));

export interface ConsortLabels {
  /** The main phase's label, e.g. "12-week randomized treatment". */
  readonly mainPhase: string;
}

/**
 * Figure: the CONSORT diagram. Screened, excluded (screen failures, eligible but not randomized),
 * randomized; per arm: allocated, the main phase's completions, discontinuations (with reasons) and
 * subjects still on treatment at the data cut, and the number analysed in each population.
 */
export function consortDiagram(
  result: AnalysisResult,
  labels: ConsortLabels,
  id: string,
  title: string,
): Markup {
  const { consort, discontinuations } = result.disposition;
  const nameOf = (code: string): string => result.arms.find((a) => a.code === code)?.name ?? code;

  const trunkWidth = 260;
  const trunkX = MARGIN + 120;
  const trunkCentre = trunkX + trunkWidth / 2;
  const excludedX = trunkX + trunkWidth + 60;
  const excludedWidth = WIDTH - MARGIN - excludedX;

  const screened: Box = {
    lines: boxLines([`Assessed for eligibility (n\u00a0=\u00a0${consort.screened})`], trunkWidth),
    attrs: { 'data-key': 'screened', 'data-n': consort.screened },
  };
  const excludedTotal = consort.screenFailures + consort.eligibleNotRandomized;
  const excluded: Box = {
    lines: boxLines(
      [
        `Excluded (n\u00a0=\u00a0${excludedTotal})`,
        `Screen failures (n\u00a0=\u00a0${consort.screenFailures})`,
        `Eligible, not randomized (n\u00a0=\u00a0${consort.eligibleNotRandomized})`,
      ],
      excludedWidth,
    ),
    attrs: {
      'data-key': 'excluded',
      'data-n': excludedTotal,
      'data-screen-failures': consort.screenFailures,
      'data-eligible-not-randomized': consort.eligibleNotRandomized,
    },
  };
  const randomized: Box = {
    lines: boxLines([`Randomized (n\u00a0=\u00a0${consort.randomized})`], trunkWidth),
    attrs: { 'data-key': 'randomized', 'data-n': consort.randomized },
  };

  const columns = Math.max(1, consort.arms.length);
  const columnWidth = (WIDTH - 2 * MARGIN - (columns - 1) * GAP) / columns;
  const columnX = (i: number): number => MARGIN + i * (columnWidth + GAP);
  const allocated: Box[] = consort.arms.map((a) => ({
    lines: boxLines([`Allocated to ${a.arm} (n\u00a0=\u00a0${a.allocated})`, nameOf(a.arm)], columnWidth),
    attrs: { 'data-key': 'allocated', 'data-arm': a.arm, 'data-n': a.allocated },
  }));
  const followUp: Box[] = consort.arms.map((a) => {
    const reasons = discontinuations.byReason.flatMap((r) => {
      const n = r.counts.find((c) => c.arm === a.arm)?.subjects ?? 0;
      return n > 0 ? [`${humanize(r.reason).toLowerCase()} (n\u00a0=\u00a0${n})`] : [];
    });
    return {
      lines: boxLines(
        [
          `Completed ${labels.mainPhase} (n\u00a0=\u00a0${a.completed})`,
          `Discontinued (n\u00a0=\u00a0${a.discontinued})${reasons.length > 0 ? ':' : ''}`,
          ...reasons,
          `On treatment at the data cut (n\u00a0=\u00a0${a.ongoing})`,
        ],
        columnWidth,
      ),
      attrs: {
        'data-key': 'follow-up',
        'data-arm': a.arm,
        'data-completed': a.completed,
        'data-discontinued': a.discontinued,
        'data-ongoing': a.ongoing,
      },
    };
  });
  const analysed: Box[] = consort.arms.map((a) => ({
    lines: boxLines(
      ['Analysed', ...a.analysed.map((p) => `${p.population} (n\u00a0=\u00a0${p.n})`)],
      columnWidth,
    ),
    attrs: {
      'data-key': 'analysed',
      'data-arm': a.arm,
      ...Object.fromEntries(a.analysed.map((p) => [`data-n-${p.population.toLowerCase()}`, p.n])),
    },
  }));

  // Rows from the top: stage labels at the left of the arm rows.
  const rowHeight = (boxes: readonly Box[]): number =>
    Math.max(...boxes.map((b) => heightFor(b.lines.length)));
  let y = MARGIN;
  const screenedY = y;
  const screenedH = heightFor(screened.lines.length);
  y += screenedH + 20;
  const excludedH = heightFor(excluded.lines.length);
  const excludedY = y;
  y += excludedH + 20;
  const randomizedY = y;
  const randomizedH = heightFor(randomized.lines.length);
  y += randomizedH + 46;
  const allocatedY = y;
  const allocatedH = rowHeight(allocated);
  y += allocatedH + 28;
  const followY = y;
  const followH = rowHeight(followUp);
  y += followH + 28;
  const analysedY = y;
  const analysedH = rowHeight(analysed);
  const height = analysedY + analysedH + MARGIN;
  const branchY = randomizedY + randomizedH + 22;
  const centre = (i: number): number => columnX(i) + columnWidth / 2;

  const stage = (label: string, at: number): Markup =>
    text(MARGIN, at, label, { 'font-style': 'italic', fill: '#444444', class: 'stage' });

  return svgFigure(
    {
      id,
      width: WIDTH,
      height,
      title,
      description:
        `${consort.screened} assessed for eligibility, ${excludedTotal} excluded, ${consort.randomized} randomized: ` +
        consort.arms
          .map(
            (a) =>
              `${a.arm} ${a.allocated} allocated, ${a.completed} completed, ${a.discontinued} discontinued, ` +
              `${a.ongoing} on treatment`,
          )
          .join('; ') +
        '.',
    },
    stage('Enrolment', screenedY + 14),
    box(trunkX, screenedY, trunkWidth, screenedH, screened.lines, screened.attrs),
    segment(trunkCentre, screenedY + screenedH, trunkCentre, randomizedY - 7, { 'stroke-width': 1.2 }),
    arrow(trunkCentre, randomizedY - 8, trunkCentre, randomizedY),
    arrow(trunkCentre, excludedY + excludedH / 2, excludedX, excludedY + excludedH / 2),
    box(excludedX, excludedY, excludedWidth, excludedH, excluded.lines, excluded.attrs),
    box(trunkX, randomizedY, trunkWidth, randomizedH, randomized.lines, randomized.attrs),
    segment(trunkCentre, randomizedY + randomizedH, trunkCentre, branchY, { 'stroke-width': 1.2 }),
    columns > 1 ? segment(centre(0), branchY, centre(columns - 1), branchY, { 'stroke-width': 1.2 }) : null,
    consort.arms.map((_, i) => arrow(centre(i), branchY, centre(i), allocatedY)),
    stage('Allocation', allocatedY - 8),
    allocated.map((b, i) => box(columnX(i), allocatedY, columnWidth, allocatedH, b.lines, b.attrs)),
    consort.arms.map((_, i) => arrow(centre(i), allocatedY + allocatedH, centre(i), followY)),
    stage('Follow-up', followY - 8),
    followUp.map((b, i) => box(columnX(i), followY, columnWidth, followH, b.lines, b.attrs)),
    consort.arms.map((_, i) => arrow(centre(i), followY + followH, centre(i), analysedY)),
    stage('Analysis', analysedY - 8),
    analysed.map((b, i) => box(columnX(i), analysedY, columnWidth, analysedH, b.lines, b.attrs)),
  );
}
