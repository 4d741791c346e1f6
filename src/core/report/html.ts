// A tiny element builder for the report's HTML and SVG. Text is escaped by construction: a plain
// string child is always text, and markup only ever comes from the builder (or `raw`, for the
// stylesheet), so user-entered words (adverse event terms, labels) cannot open a tag.

/** Markup built by `el` (or vouched for with `raw`): inserted as is. */
export interface Markup {
  readonly html: string;
}

/** What an element may contain: markup, text (escaped), numbers, nothing, or lists of these. */
export type Child = Markup | string | number | null | undefined | false | readonly Child[];

/** Attribute values: `true` writes the bare name, `false`, null and undefined leave it out. */
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Trusted markup, inserted without escaping: only for constant text written in this module's callers. */
export const raw = (html: string): Markup => ({ html });

/**
 * A number as the report writes it in markup: at most 2 decimals, never "-0". A coordinate that is
 * not finite is a bug upstream, so it throws rather than draw NaN.
 */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

function attributes(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (value === true) out += ` ${name}`;
    else out += ` ${name}="${escapeHtml(typeof value === 'number' ? num(value) : value)}"`;
  }
  return out;
}

/** The markup of a child: text escaped, numbers written with `num`, lists concatenated. */
export function render(child: Child): string {
  if (child === null || child === undefined || child === false) return '';
  if (typeof child === 'string') return escapeHtml(child);
  if (typeof child === 'number') return num(child);
  if (Array.isArray(child)) return (child as readonly Child[]).map(render).join('');
  return (child as Markup).html;
}

/** An HTML element with its closing tag. */
export const el = (tag: string, attrs: Attrs = {}, ...children: Child[]): Markup => ({
  html: `<${tag}${attributes(attrs)}>${render(children)}</${tag}>`,
});

/** An HTML void element (meta, br): no content, no closing tag. */
export const voidEl = (tag: string, attrs: Attrs = {}): Markup => ({ html: `<${tag}${attributes(attrs)}>` });

/** An SVG element: self-closing when empty. */
export function svgEl(tag: string, attrs: Attrs = {}, ...children: Child[]): Markup {
  const content = render(children);
  return {
    html:
      content === '' ? `<${tag}${attributes(attrs)}/>` : `<${tag}${attributes(attrs)}>${content}</${tag}>`,
  };
}

/** Joins class names, leaving out empty ones. */
export const classes = (...names: (string | false | null | undefined)[]): string | undefined =>
  names.filter(Boolean).join(' ') || undefined;

export interface Column {
  readonly header: Child;
  /** Numbers are right-aligned. */
  readonly numeric?: boolean;
}

export interface Row {
  /** The row header (first column, `scope="row"`). */
  readonly header: Child;
  readonly cells: readonly Child[];
  readonly attrs?: Attrs;
  readonly className?: string;
}

export interface TableSpec {
  readonly caption: Child;
  /** The header of the row-header column, then the data columns. */
  readonly rowHeader: Child;
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  /** Footnotes printed under the table, kept on its page. */
  readonly notes?: readonly Child[];
  readonly attrs?: Attrs;
}

/**
 * A data table with a caption, column headers (`scope="col"`) and row headers (`scope="row"`),
 * wrapped with its notes in a block that print keeps on one page.
 */
export function table(spec: TableSpec): Markup {
  const numeric = spec.columns.map((c) => c.numeric === true);
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, spec.rowHeader),
      spec.columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.header)),
    ),
  );
  const body = el(
    'tbody',
    {},
    spec.rows.map((row) =>
      el(
        'tr',
        { ...row.attrs, class: row.className },
        el('th', { scope: 'row' }, row.header),
        row.cells.map((cell, i) => el('td', { class: numeric[i] ? 'num' : undefined }, cell)),
      ),
    ),
  );
  const notes = spec.notes?.filter((n) => render(n) !== '') ?? [];
  return el(
    'div',
    { class: 'table-block' },
    el('table', spec.attrs ?? {}, el('caption', {}, spec.caption), head, body),
    notes.length > 0
      ? el(
          'ul',
          { class: 'notes' },
          notes.map((n) => el('li', {}, n)),
        )
      : null,
  );
}
