import { num, svgEl, type Attrs, type Child, type Markup } from './html.js';

// Small SVG builders for the report's figures: scales and ticks, axes, lines with confidence-interval
// error bars, markers, bars, boxes with wrapped text, and arrows. Every coordinate goes through `num`
// (html.ts), which refuses a non-finite value, so a figure never draws NaN.

/** Text colour and the light grey of grid lines (contrast: #222 on white is 15.9:1). */
export const INK = '#222222';
export const GRID = '#d9d9d9';
export const FONT_SIZE = 12;

/**
 * Okabe–Ito colours (colour-blind safe) with a contrast of at least 3:1 on white, so lines and bars
 * pass WCAG 1.4.11; the light orange, sky blue and yellow of the palette are left out for that reason.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#000000', '#666666'] as const;

/** Marker shapes, dash patterns and bar fills: each arm differs by more than its colour. */
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross'] as const;
export type MarkerShape = (typeof MARKERS)[number];
const DASHES = [null, '7 4', '2 3', '9 3 2 3', '4 2', '1 2'] as const;
export const FILLS = ['solid', 'hatch', 'dots', 'crosshatch', 'horizontal', 'vertical'] as const;
export type FillKind = (typeof FILLS)[number];

/** The look of the i-th arm (protocol order), the same in every figure. */
export interface ArmStyle {
  readonly colour: string;
  readonly marker: MarkerShape;
  readonly dash: string | null;
  readonly fill: FillKind;
}

export function armStyle(index: number): ArmStyle {
  const pick = <T>(list: readonly T[]): T => list[index % list.length] as T;
  return { colour: pick(PALETTE), marker: pick(MARKERS), dash: pick(DASHES), fill: pick(FILLS) };
}

/** A linear map from a data interval to a pixel interval. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/**
 * About `target` round tick values (1, 2 or 5 × 10^k apart) covering [min, max]; the first and last
 * ticks enclose the data, so they make the axis's domain.
 */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError('ticks need finite limits');
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const rough = (hi - lo) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i += 1) ticks.push(Math.round(i * step * 1e9) / 1e9);
  return ticks;
}

/** Decimals enough to tell the ticks apart (0.5 steps: 1 decimal). */
export function tickDecimals(ticks: readonly number[]): number {
  const step = ticks.length > 1 ? Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0)) : 1;
  return step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
}

/** The root of a figure: `role="img"`, labelled by its `<title>` and described by its `<desc>`. */
export function svgFigure(
  options: {
    readonly id: string;
    readonly width: number;
    readonly height: number;
    readonly title: string;
    readonly description: string;
  },
  ...children: Child[]
): Markup {
  const { id, width, height } = options;
  return svgEl(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
      id,
      class: 'chart',
    },
    svgEl('title', { id: `${id}-title` }, options.title),
    svgEl('desc', { id: `${id}-desc` }, options.description),
    svgEl('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    ...children,
  );
}

export const group = (attrs: Attrs, ...children: Child[]): Markup => svgEl('g', attrs, ...children);

/** Text at a point (anchor start, middle or end). */
export function text(
  x: number,
  y: number,
  content: string,
  attrs: Attrs & { readonly anchor?: 'start' | 'middle' | 'end' } = {},
): Markup {
  const { anchor, ...rest } = attrs;
  return svgEl(
    'text',
    { x, y, 'text-anchor': anchor ?? 'start', fill: INK, 'font-size': FONT_SIZE, ...rest },
    content,
  );
}

/** Lines of text, one under the other from the baseline `y`. */
export function lines(
  x: number,
  y: number,
  content: readonly string[],
  attrs: Attrs & { readonly anchor?: 'start' | 'middle' | 'end'; readonly lineHeight?: number } = {},
): Markup {
  const { anchor, lineHeight, ...rest } = attrs;
  const step = lineHeight ?? FONT_SIZE * 1.25;
  return svgEl(
    'text',
    { x, y, 'text-anchor': anchor ?? 'start', fill: INK, 'font-size': FONT_SIZE, ...rest },
    content.map((line, i) => svgEl('tspan', { x, dy: i === 0 ? 0 : step }, line)),
  );
}

/** An estimate of a text's width (proportional fonts average about 0.56 em per character). */
export const textWidth = (content: string, fontSize = FONT_SIZE): number => content.length * fontSize * 0.56;

/**
 * Words wrapped to lines of at most `maxChars` characters (a longer word gets a line of its own); only
 * plain spaces break, so a no-break space keeps "n\u00a0=\u00a03" together.
 */
export function wrap(content: string, maxChars: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of content.split(/[ \t\n]+/).filter(Boolean)) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= maxChars) line += ` ${word}`;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line !== '') out.push(line);
  return out;
}

export const segment = (x1: number, y1: number, x2: number, y2: number, attrs: Attrs = {}): Markup =>
  svgEl('line', { x1, y1, x2, y2, stroke: INK, ...attrs });

/** A polyline through the points (nothing for fewer than two). */
export function polyline(points: readonly (readonly [number, number])[], attrs: Attrs = {}): Markup | null {
  if (points.length < 2) return null;
  const coordinates = points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ');
  return svgEl('polyline', { points: coordinates, fill: 'none', ...attrs });
}

/** A vertical confidence interval with caps, from `y1` to `y2` at `x`. */
export function errorBar(x: number, y1: number, y2: number, cap: number, attrs: Attrs = {}): Markup {
  return group(
    { class: 'ci', stroke: INK, 'stroke-width': 1.4, ...attrs },
    segment(x, y1, x, y2, { stroke: null }),
    segment(x - cap, y1, x + cap, y1, { stroke: null }),
    segment(x - cap, y2, x + cap, y2, { stroke: null }),
  );
}

/** A data marker of the given shape, centred on (x, y), `r` its half-size. */
export function marker(shape: MarkerShape, x: number, y: number, r: number, attrs: Attrs = {}): Markup {
  const polygon = (pts: readonly (readonly [number, number])[]): Markup =>
    svgEl('polygon', { points: pts.map(([px, py]) => `${num(px)},${num(py)}`).join(' '), ...attrs });
  switch (shape) {
    case 'circle':
      return svgEl('circle', { cx: x, cy: y, r, ...attrs });
    case 'square':
      return svgEl('rect', { x: x - r * 0.9, y: y - r * 0.9, width: r * 1.8, height: r * 1.8, ...attrs });
    case 'triangle':
      return polygon([
        [x, y - r * 1.15],
        [x + r, y + r * 0.75],
        [x - r, y + r * 0.75],
      ]);
    case 'triangle-down':
      return polygon([
        [x, y + r * 1.15],
        [x + r, y - r * 0.75],
        [x - r, y - r * 0.75],
      ]);
    case 'diamond':
      return polygon([
        [x, y - r * 1.2],
        [x + r, y],
        [x, y + r * 1.2],
        [x - r, y],
      ]);
    case 'cross':
      return group(
        { stroke: attrs.stroke ?? attrs.fill ?? INK, 'stroke-width': 2 },
        segment(x - r, y - r, x + r, y + r, { stroke: null }),
        segment(x - r, y + r, x + r, y - r, { stroke: null }),
      );
  }
}

/** A rectangle between two values of y (in either order), `width` wide from `x`. */
export function bar(x: number, y1: number, y2: number, width: number, attrs: Attrs = {}): Markup {
  return svgEl('rect', { x, y: Math.min(y1, y2), width, height: Math.abs(y2 - y1), ...attrs });
}

/** The fill of a bar of the given kind: a colour, or a pattern defined by `fillPatterns`. */
export const fillOf = (style: ArmStyle, patternId: string): string =>
  style.fill === 'solid' ? style.colour : `url(#${patternId})`;

/** The pattern of a non-solid fill, in the arm's colour on white (distinct in grey print too). */
export function fillPattern(id: string, style: ArmStyle): Markup | null {
  const c = style.colour;
  const stroke = { stroke: c, 'stroke-width': 1.6 };
  const shapes: Record<Exclude<FillKind, 'solid'>, Child> = {
    hatch: segment(0, 6, 6, 0, stroke),
    dots: svgEl('circle', { cx: 3, cy: 3, r: 1.4, fill: c }),
    crosshatch: [segment(0, 6, 6, 0, stroke), segment(0, 0, 6, 6, stroke)],
    horizontal: segment(0, 3, 6, 3, stroke),
    vertical: segment(3, 0, 3, 6, stroke),
  };
  if (style.fill === 'solid') return null;
  return svgEl(
    'pattern',
    { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse' },
    svgEl('rect', { x: 0, y: 0, width: 6, height: 6, fill: '#ffffff' }),
    shapes[style.fill],
  );
}

/**
 * A vertical axis at `x` with ticks, labels and light grid lines across to `gridTo`, and a zero line
 * drawn darker when 0 is inside the domain.
 */
export function yAxis(options: {
  readonly scale: (value: number) => number;
  readonly ticks: readonly number[];
  readonly x: number;
  readonly gridTo: number;
  readonly format: (value: number) => string;
}): Markup {
  const { scale, ticks, x, gridTo, format } = options;
  const ends = [scale(ticks[0] ?? 0), scale(ticks[ticks.length - 1] ?? 0)] as const;
  return group(
    { class: 'axis y' },
    ticks.map((t) =>
      group(
        {},
        segment(x, scale(t), gridTo, scale(t), {
          stroke: t === 0 ? '#555555' : GRID,
          'stroke-width': t === 0 ? 1.2 : 1,
        }),
        segment(x - 4, scale(t), x, scale(t)),
        text(x - 7, scale(t) + 4, format(t), { anchor: 'end' }),
      ),
    ),
    segment(x, ends[0], x, ends[1]),
  );
}

/** A horizontal axis at `y` from `x1` to `x2` with ticks and their labels. */
export function xAxis(options: {
  readonly y: number;
  readonly x1: number;
  readonly x2: number;
  readonly ticks: readonly { readonly x: number; readonly label: string }[];
}): Markup {
  const { y, x1, x2, ticks } = options;
  return group(
    { class: 'axis x' },
    segment(x1, y, x2, y),
    ticks.map((t) =>
      group({}, segment(t.x, y, t.x, y + 4), text(t.x, y + 17, t.label, { anchor: 'middle' })),
    ),
  );
}

/** A box with a border and its lines of text centred; `attrs` go to the group (e.g. data-*). */
export function box(
  x: number,
  y: number,
  width: number,
  height: number,
  content: readonly string[],
  attrs: Attrs = {},
): Markup {
  const lineHeight = FONT_SIZE * 1.25;
  const top = y + height / 2 - ((content.length - 1) * lineHeight) / 2 + FONT_SIZE * 0.35;
  return group(
    { class: 'box', ...attrs },
    svgEl('rect', { x, y, width, height, rx: 3, fill: '#ffffff', stroke: INK, 'stroke-width': 1.2 }),
    lines(x + width / 2, top, content, { anchor: 'middle', lineHeight }),
  );
}

/** An arrow from (x1, y1) to (x2, y2), its head a filled triangle at the end (no marker ids to clash). */
export function arrow(x1: number, y1: number, x2: number, y2: number): Markup {
  const length = Math.hypot(x2 - x1, y2 - y1) || 1;
  const ux = (x2 - x1) / length;
  const uy = (y2 - y1) / length;
  const head = 7;
  const bx = x2 - ux * head;
  const by = y2 - uy * head;
  const points = [
    [x2, y2],
    [bx - uy * head * 0.5, by + ux * head * 0.5],
    [bx + uy * head * 0.5, by - ux * head * 0.5],
  ]
    .map(([px, py]) => `${num(px ?? 0)},${num(py ?? 0)}`)
    .join(' ');
  return group(
    { class: 'arrow' },
    segment(x1, y1, bx, by, { 'stroke-width': 1.2 }),
    svgEl('polygon', { points, fill: INK }),
  );
}
