import type { Protocol } from '../protocol/schema.js';
import { validationError } from '../errors.js';
import { cryptoRandom, type RandomSource } from './random.js';

/** What a kit holds. For a masked drug, only the unblinded ever learn which. */
export type KitContent = 'active' | 'placebo';

export interface KitNeed {
  readonly drug: string;
  readonly content: KitContent;
}

/**
 * The kits a subject on `armCode` receives at `visitCode`: one per treatment of the arm whose drug is
 * dispensed at that visit (the placebo for a placebo treatment), by drug code: never in the arm's
 * treatment order, which could differ between arms and so hint at the arm.
 */
export function kitsNeeded(protocol: Protocol, armCode: string, visitCode: string): KitNeed[] {
  const arm = protocol.arms.find((a) => a.code === armCode);
  if (!arm) throw validationError(`Unknown arm ${armCode}`);
  return arm.treatments
    .filter((t) => protocol.drugs.find((d) => d.code === t.drug)?.supply?.dispenseAt.includes(visitCode))
    .map((t): KitNeed => ({ drug: t.drug, content: t.placebo ? 'placebo' : 'active' }))
    .sort((x, y) => (x.drug < y.drug ? -1 : x.drug > y.drug ? 1 : 0));
}

/** Whether `stock` (kits per drug and content) covers `needs`. */
export function covers(stock: ReadonlyMap<string, number>, needs: readonly KitNeed[]): boolean {
  const wanted = new Map<string, number>();
  for (const n of needs) wanted.set(stockKey(n), (wanted.get(stockKey(n)) ?? 0) + 1);
  return [...wanted].every(([k, count]) => (stock.get(k) ?? 0) >= count);
}

export const stockKey = (n: KitNeed): string => `${n.drug}:${n.content}`;

/**
 * How a drug's kits should split between active and placebo: in proportion to the allocation ratios
 * of the arms that take it active and of those that take its placebo.
 */
export function contentWeights(protocol: Protocol, drug: string): Readonly<Record<KitContent, number>> {
  const weights = { active: 0, placebo: 0 };
  for (const arm of protocol.arms)
    for (const t of arm.treatments)
      if (t.drug === drug) weights[t.placebo ? 'placebo' : 'active'] += arm.ratio;
  return weights;
}

/**
 * Contents for `count` new kits of a drug, split by `contentWeights` (largest remainder) and shuffled,
 * so neither the order nor the numbers of the kits say which is which.
 */
export function planKitContents(
  protocol: Protocol,
  drug: string,
  count: number,
  random: RandomSource = cryptoRandom,
): KitContent[] {
  const contents = splitContents(protocol, drug, count, random).flatMap(([content, n]) =>
    Array<KitContent>(n).fill(content),
  );
  // Fisher–Yates with a cryptographic generator: a kit list's order is not predictable.
  for (let i = contents.length - 1; i > 0; i--) {
    const j = random.int(0, i + 1);
    [contents[i], contents[j]] = [contents[j]!, contents[i]!];
  }
  return contents;
}

/**
 * How many of `count` kits of a drug are active and how many placebo, in the ratio the arms need.
 * The fractional part is rounded at random (up with probability equal to the fraction), so the split
 * of a small order cannot be deduced from its size: one celgosivir kit is active two times in three.
 */
export function splitContents(
  protocol: Protocol,
  drug: string,
  count: number,
  random: RandomSource = cryptoRandom,
): [KitContent, number][] {
  const w = contentWeights(protocol, drug);
  const total = w.active + w.placebo;
  if (total === 0)
    throw validationError(`No arm takes ${drug}`, [{ path: 'drug', message: `no arm takes ${drug}` }]);
  const exact = (count * w.active) / total;
  const floor = Math.floor(exact);
  const active = floor + (random.int(0, 1_000_000) < Math.round((exact - floor) * 1_000_000) ? 1 : 0);
  return (
    [
      ['active', active],
      ['placebo', count - active],
    ] as [KitContent, number][]
  ).filter(([, n]) => n > 0);
}

/** Luhn check digit, so a mistyped kit number is caught at the site. */
export function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export const isValidKitNumber = (kit: string): boolean =>
  /^\d{7}$/.test(kit) && luhnDigit(kit.slice(0, 6)) === Number(kit[6]);

export const KIT_NUMBER_LIMIT = 450_000;

/** `count` random 7-digit kit numbers (6 random digits + Luhn), none in `taken`. They carry no meaning. */
export function newKitNumbers(
  count: number,
  taken: ReadonlySet<string>,
  random: RandomSource = cryptoRandom,
): string[] {
  // 900,000 numbers per study: staying below half keeps drawing a free one quick.
  if (taken.size + count > KIT_NUMBER_LIMIT)
    throw validationError(`A study can hold at most ${KIT_NUMBER_LIMIT} kits; it has ${taken.size}`, [
      { path: 'count', message: `at most ${Math.max(0, KIT_NUMBER_LIMIT - taken.size)} more kits` },
    ]);
  const made = new Set<string>();
  while (made.size < count) {
    const base = String(random.int(100_000, 1_000_000));
    const kit = `${base}${luhnDigit(base)}`;
    if (!taken.has(kit)) made.add(kit);
  }
  return [...made];
}

/** What picking needs of a kit: its number, content and expiry. */
export interface PickableKit {
  readonly kitNumber: string;
  readonly content: KitContent;
  readonly expiresOn: string;
}

/**
 * Picks `wanted` kits (a count per content) among `candidates` of one drug: earliest expiry first, at
 * random among equal expiry; the picked kits in kit-number order, or null when some content is short.
 *
 * The draws never look at content: the candidates are put in kit-number order, shuffled within each
 * expiry date, and taken in that order while their content is still wanted. So the random numbers used
 * are the same whatever the contents, every kit of the wanted content and earliest expiry is equally
 * likely, and which kits go out (and in which order they are listed) says nothing of which is which.
 */
export function pickKits<K extends PickableKit>(
  candidates: readonly K[],
  wanted: ReadonlyMap<KitContent, number>,
  random: RandomSource = cryptoRandom,
): K[] | null {
  const order = [...candidates].sort(
    (x, y) => compare(x.expiresOn, y.expiresOn) || compare(x.kitNumber, y.kitNumber),
  );
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && order[end]!.expiresOn === order[start]!.expiresOn) end++;
    for (let i = end - 1; i > start; i--) {
      const j = random.int(start, i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    start = end;
  }
  const left = new Map(wanted);
  const picked: K[] = [];
  for (const kit of order) {
    const n = left.get(kit.content) ?? 0;
    if (n === 0) continue;
    left.set(kit.content, n - 1);
    picked.push(kit);
  }
  if ([...left.values()].some((n) => n > 0)) return null;
  return picked.sort((x, y) => compare(x.kitNumber, y.kitNumber));
}

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
