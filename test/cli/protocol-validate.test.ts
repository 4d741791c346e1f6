import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { BROKEN_PROTOCOLS, breakYaml, lineOf } from './broken-protocols.js';
import { cli, it, ROOT } from './harness.js';

// `protocol validate` never opens a database: an empty environment proves it.
describe('trialdesk protocol validate', () => {
  it.each([
    ['protocols/celgosivir-nr-phase2.yaml', 'celgosivir-nr-phase2', 3],
    ['protocols/celgosivir-naive-phase2.yaml', 'celgosivir-naive-phase2', 2],
    ['test/fixtures/protocols/other-shape.yaml', 'other-shape-study', 2],
  ])('accepts %s (relative to the working directory)', async (file, code, arms) => {
    const r = await cli(['protocol', 'validate', file]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(
      new RegExp(`^${file}: valid protocol ${code} with ${arms} arms, \\d+ visits, \\d+ endpoints\\n$`),
    );
  });

  it('accepts an absolute path from any working directory', async ({ dir }) => {
    const r = await cli(['protocol', 'validate', join(ROOT, 'protocols/celgosivir-nr-phase2.yaml')], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
  });

  it.for(BROKEN_PROTOCOLS)(
    'rejects $name, naming the file, the line, the path and the reason',
    async (broken, { dir }) => {
      const doc = parse(await readFile(join(ROOT, 'protocols/celgosivir-nr-phase2.yaml'), 'utf8')) as Record<
        string,
        unknown
      >;
      broken.edit(doc);
      const text = stringify(doc);
      const file = join(dir, 'broken.yaml');
      await writeFile(file, text);

      const r = await cli(['protocol', 'validate', file]);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain(`error: Protocol ${file} has a problem:`);
      const line = lineOf(text, broken.line);
      expect(r.err).toMatch(
        new RegExp(`^  ${file}:${line} ${escape(broken.path)}: ${broken.reason.source}$`, 'm'),
      );
    },
  );

  it('reports every problem of a file at once', async ({ dir }) => {
    const doc = parse(await readFile(join(ROOT, 'protocols/celgosivir-nr-phase2.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const broken of BROKEN_PROTOCOLS) broken.edit(doc);
    const file = join(dir, 'twice-broken.yaml');
    await writeFile(file, stringify(doc));

    const r = await cli(['protocol', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: Protocol ${file} has 2 problems:`);
    for (const broken of BROKEN_PROTOCOLS) expect(r.err).toContain(` ${broken.path}: `);
  });

  it('rejects a YAML syntax error, naming the file, the line and the parser’s reason', async ({ dir }) => {
    const source = breakYaml(await readFile(join(ROOT, 'protocols/celgosivir-nr-phase2.yaml'), 'utf8'));
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, source);

    const r = await cli(['protocol', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`error: Protocol ${file} has a problem:`);
    // The parser notices the unclosed sequence on the line after it.
    const line = lineOf(source, /^phase: \[II$/) + 1;
    expect(r.err).toMatch(
      new RegExp(
        `^  ${escape(file)}:${line} \\(file\\): .*must be sufficiently indented and end with a \\]`,
        'm',
      ),
    );
  });

  it('rejects a missing file with a clear message', async () => {
    const r = await cli(['protocol', 'validate', 'protocols/no-such-protocol.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: Cannot read the protocol file protocols\/no-such-protocol\.yaml: ENOENT/);
  });

  it('rejects a file that is not a protocol at all', async ({ dir }) => {
    const file = join(dir, 'list.yaml');
    await writeFile(file, '- just\n- a list\n');
    const r = await cli(['protocol', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: Protocol ${file}`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
