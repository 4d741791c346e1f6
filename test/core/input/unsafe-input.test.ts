import { describe, expect, it } from 'vitest';
import {
  controlCharacterProblem,
  MAX_INPUT_DEPTH,
  unsafeInputIssues,
} from '../../../src/core/input/unsafe-input.js';

describe('unsafe input', () => {
  it('names every control character except tab, line feed and carriage return', () => {
    expect(controlCharacterProblem('line one\n\tline two\r\n')).toBeNull();
    expect(controlCharacterProblem('Ünïcödé, 日本語, emoji 🙂')).toBeNull();
    for (let c = 0; c < 0x20; c++) {
      if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
      expect(controlCharacterProblem(`ab${String.fromCharCode(c)}`), `U+${c}`).toMatch(/at character 3/);
    }
    expect(controlCharacterProblem('\u007f')).toBe(
      'must not contain control characters (U+007F at character 1)',
    );
  });

  it('finds control characters in nested values and keys, with the field path', () => {
    expect(
      unsafeInputIssues({ answers: { age: 5, notes: ['fine', 'bad\u0000'] }, ['k\u0001']: 1 }, 'body'),
    ).toEqual([
      { path: 'body', message: 'has a key that must not contain control characters (U+0001 at character 2)' },
      {
        path: 'body.answers.notes.1',
        message: 'must not contain control characters (U+0000 at character 4)',
      },
    ]);
    expect(unsafeInputIssues({ a: [1, true, null, 'x'] }, 'query')).toEqual([]);
  });

  it('refuses nesting deeper than the limit without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const issues = unsafeInputIssues(deep, 'body');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe(`is nested too deeply (at most ${MAX_INPUT_DEPTH} levels)`);
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) ok = { a: ok };
    expect(unsafeInputIssues(ok, 'body')).toEqual([]);
  });
});
