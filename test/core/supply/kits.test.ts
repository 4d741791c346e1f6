import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import {
  contentWeights,
  covers,
  isValidKitNumber,
  kitsNeeded,
  luhnDigit,
  newKitNumbers,
  pickKits,
  planKitContents,
  type KitContent,
  type PickableKit,
} from '../../../src/core/supply/kits.js';
import { readProtocol } from '../../support/fixtures.js';
import { seededRandom } from '../../support/random.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');

describe('kits', () => {
  it('gives each arm its own kits at day 0: placebo for control, no ribavirin for the double arm', () => {
    expect(kitsNeeded(nr, 'TRIPLE', 'D0')).toEqual([
      { drug: 'CELGOSIVIR', content: 'active' },
      { drug: 'PEGIFN', content: 'active' },
      { drug: 'RBV', content: 'active' },
    ]);
    expect(kitsNeeded(nr, 'DOUBLE', 'D0').map((k) => k.drug)).toEqual(['CELGOSIVIR', 'PEGIFN']);
    expect(kitsNeeded(nr, 'CONTROL', 'D0')[0]).toEqual({ drug: 'CELGOSIVIR', content: 'placebo' });
    expect(kitsNeeded(nr, 'TRIPLE', 'W1')).toEqual([]); // no dispensing at week 1
  });

  it('splits celgosivir kits 2:1 active to placebo, as two arms take it active and one its placebo', () => {
    expect(contentWeights(nr, 'CELGOSIVIR')).toEqual({ active: 2, placebo: 1 });
    const contents = planKitContents(nr, 'CELGOSIVIR', 30);
    expect(contents.filter((c) => c === 'active')).toHaveLength(20);
    expect(contents.filter((c) => c === 'placebo')).toHaveLength(10);
  });

  it('shuffles contents, so position says nothing about content', () => {
    const firstIsPlacebo = Array.from(
      { length: 300 },
      () => planKitContents(nr, 'CELGOSIVIR', 3)[0] === 'placebo',
    ).filter(Boolean).length;
    // One in three expected: 100 of 300, well within 60..140 unless the order is fixed.
    expect(firstIsPlacebo).toBeGreaterThan(60);
    expect(firstIsPlacebo).toBeLessThan(140);
  });

  it('makes unique 7-digit kit numbers with a valid check digit, avoiding taken ones', () => {
    const taken = new Set(newKitNumbers(500, new Set()));
    const more = newKitNumbers(500, taken);
    expect(new Set([...taken, ...more]).size).toBe(1000);
    expect(more.every(isValidKitNumber)).toBe(true);
  });

  it('catches every single-digit typo in a kit number', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100_000, max: 999_999 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        (base, pos, delta) => {
          const kit = `${base}${luhnDigit(String(base))}`;
          const digits = kit.split('');
          digits[pos] = String((Number(digits[pos]) + delta) % 10);
          return isValidKitNumber(kit) && !isValidKitNumber(digits.join(''));
        },
      ),
    );
  });

  it('knows whether stock covers a set of needs, counting repeated needs', () => {
    const stock = new Map([
      ['CELGOSIVIR:active', 1],
      ['PEGIFN:active', 2],
    ]);
    expect(covers(stock, kitsNeeded(nr, 'DOUBLE', 'D0'))).toBe(true);
    expect(covers(stock, kitsNeeded(nr, 'CONTROL', 'D0'))).toBe(false);
    expect(covers(stock, [...kitsNeeded(nr, 'DOUBLE', 'D0'), ...kitsNeeded(nr, 'DOUBLE', 'D0')])).toBe(false);
  });

  describe('picking kits', () => {
    const kit = (kitNumber: string, content: KitContent, expiresOn = '2030-01-01'): PickableKit => ({
      kitNumber,
      content,
      expiresOn,
    });
    const flip = (k: PickableKit): PickableKit => ({
      ...k,
      content: k.content === 'active' ? 'placebo' : 'active',
    });
    const numbers = (ks: readonly PickableKit[] | null) => ks?.map((k) => k.kitNumber) ?? null;

    it('takes the earliest expiry first and lists the picked kits by number', () => {
      const kits = [
        kit('9000004', 'active', '2031-01-01'),
        kit('5000001', 'active'),
        kit('1000002', 'placebo'),
      ];
      expect(numbers(pickKits(kits, new Map([['active', 1]])))).toEqual(['5000001']);
      expect(
        numbers(
          pickKits(
            kits,
            new Map([
              ['active', 2],
              ['placebo', 1],
            ]),
          ),
        ),
      ).toEqual(['1000002', '5000001', '9000004']);
    });

    it('returns null when a content is short', () => {
      expect(pickKits([kit('1000002', 'placebo')], new Map([['active', 1]]))).toBeNull();
    });

    it('picks at random among kits of equal expiry', () => {
      const kits = ['1000001', '2000002', '3000003', '4000004'].map((n) => kit(n, 'active'));
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) seen.add(numbers(pickKits(kits, new Map([['active', 1]])))!.join());
      expect(seen.size).toBe(4);
    });

    it('makes the same draws whatever the contents: swapping every content swaps nothing else', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 30 }),
          fc.nat(5),
          fc.nat(5),
          fc.string(),
          (spec, a, p, label) => {
            const kits = spec.map(([active, expiry], i) =>
              kit(String(1_000_000 + i * 7919), active ? 'active' : 'placebo', `203${expiry}-01-01`),
            );
            const wanted = new Map<KitContent, number>([
              ['active', a],
              ['placebo', p],
            ]);
            const swapped = new Map<KitContent, number>([
              ['active', p],
              ['placebo', a],
            ]);
            expect(numbers(pickKits(kits.map(flip), swapped, seededRandom(label)))).toEqual(
              numbers(pickKits(kits, wanted, seededRandom(label))),
            );
          },
        ),
      );
    });
  });
});
