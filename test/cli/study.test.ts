import { readFile } from 'node:fs/promises';
import { describe } from 'vitest';
import { PASSWORD } from '../support/fixtures.js';
import { BROKEN_PROTOCOLS, breakYaml, lineOf } from './broken-protocols.js';
import { cliTargets, createStudy, it, listStudies, pgliteOnly, uniqueName } from './harness.js';

const PROTOCOLS = [
  'protocols/celgosivir-nr-phase2.yaml',
  'protocols/celgosivir-naive-phase2.yaml',
  'test/fixtures/protocols/other-shape.yaml',
];

describe.concurrent.each(cliTargets())('study commands on $name', ({ setup }) => {
  it('study create --protocol FILE creates a study from each protocol file, listed at version 1', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const created: string[] = [];
    for (const path of PROTOCOLS) {
      const { file, code } = await t.protocol(path);
      const r = await t.run(['study', 'create', '--protocol', file]);
      expect(r.err, path).toBe('');
      expect(r.code, path).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Created study ${code} \\([0-9a-f-]{36}\\), protocol version 1\\n$`));
      created.push(code);
    }

    // A second study with a code in use is refused: a new protocol version is an amendment.
    const again = await t.protocol(PROTOCOLS[0] ?? '', (doc) => {
      doc.code = created[0] ?? '';
      doc.title = 'Another study under the same code';
    });
    const refused = await t.run(['study', 'create', '--protocol', again.file]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`error: A study with code "${created[0]}" already exists: amend it instead\n`);

    const listed = await listStudies(t);
    for (const code of created)
      expect(listed.filter((s) => s.code === code)).toEqual([
        expect.objectContaining({ code, currentVersion: 1, status: 'active' }),
      ]);
  });

  it.for(BROKEN_PROTOCOLS)(
    'rejects a protocol with $name: exit 1 naming file, line, path and reason; nothing created',
    async (broken, { dir, expect }) => {
      const t = await setup(dir);
      const { file, code } = await t.protocol('protocols/celgosivir-nr-phase2.yaml', broken.edit);

      const r = await t.run(['study', 'create', '--protocol', file]);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      const line = lineOf(await readFile(file, 'utf8'), broken.line);
      expect(r.err).toContain(`error: Protocol ${file} has a problem:\n`);
      expect(r.err).toContain(`  ${file}:${line} ${broken.path}: `);
      expect(r.err).toMatch(broken.reason);
      expect((await listStudies(t)).map((s) => s.code)).not.toContain(code);
    },
  );

  it('study amend makes version 2 and keeps the code', async ({ dir, expect }) => {
    const t = await setup(dir);
    const { code, id } = await createStudy(t);
    // A data manager with a password of their own (--password-stdin), so no change is due first.
    const manager = uniqueName('dm');
    const managerPassword = `${PASSWORD} of ${manager}`;
    const added = await t.run(
      ['user', 'add', manager, '--name', 'Data Manager', '--role', 'data_manager', '--password-stdin'],
      { secrets: [managerPassword] },
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).not.toContain('One-time password');

    const amended = await t.protocol('protocols/celgosivir-nr-phase2.yaml', (doc) => {
      doc.code = code;
      doc.phase = 'IIb';
    });
    const r = await t.run(
      ['study', 'amend', '--study', code, '--protocol', amended.file, '--reason', 'Phase corrected to IIb'],
      { env: t.envAs(manager, managerPassword) },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Amended study ${code}: now at protocol version 2\n`);
    const listed = await t.run(['study', 'list']);
    expect(listed.out).toMatch(new RegExp(`^${code}\\tv2\\tactive\\t${id}$`, 'm'));

    // The same file again is not an amendment.
    const again = await t.run(
      ['study', 'amend', '--study', code, '--protocol', amended.file, '--reason', 'Phase corrected to IIb'],
      { env: t.envAs(manager, managerPassword) },
    );
    expect(again.code).toBe(1);
    expect(again.err).toBe('error: The amendment is identical to the current protocol version\n');
  });

  it('study amend is refused to an administrator (amending is the data manager’s)', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const { code } = await createStudy(t);
    const amended = await t.protocol('protocols/celgosivir-nr-phase2.yaml', (doc) => {
      doc.code = code;
      doc.phase = 'IIb';
    });
    const r = await t.run([
      'study',
      'amend',
      '--study',
      code,
      '--protocol',
      amended.file,
      '--reason',
      'why not',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: Not allowed to study.amend: you hold no role that allows it in this study\n');
  });

  it('study amend of an unknown study says which study it did not find', async ({ dir, expect }) => {
    const t = await setup(dir);
    const { file } = await t.protocol('protocols/celgosivir-nr-phase2.yaml');
    const missing = uniqueName('no-such-study');
    const r = await t.run(['study', 'amend', '--study', missing, '--protocol', file, '--reason', 'why not']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: No study "${missing}" that you can see (give its code or id)\n`);
  });
});

// Reading and parsing the file come before the database: one engine is enough.
describe.concurrent.each(pgliteOnly())(
  'study create with a file it cannot read or parse, on $name',
  ({ setup }) => {
    it('rejects a protocol with a YAML syntax error, naming file and line; nothing created', async ({
      dir,
      expect,
    }) => {
      const t = await setup(dir);
      const { file: good, code } = await t.protocol('protocols/celgosivir-nr-phase2.yaml', () => undefined);
      const source = breakYaml(await readFile(good, 'utf8'));
      const file = await t.writeFile('syntax-error.yaml', source);

      const r = await t.run(['study', 'create', '--protocol', file]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: Protocol ${file} has a problem:\n`);
      expect(r.err).toContain(`  ${file}:${lineOf(source, /^phase: \[II$/) + 1} (file): `);
      expect(r.err).toMatch(/must be sufficiently indented and end with a \]/);
      expect((await listStudies(t)).map((s) => s.code)).not.toContain(code);
    });

    it('rejects a missing protocol file with a clear message, before signing in', async ({ dir, expect }) => {
      const t = await setup(dir);
      const file = `${t.dir}/no-such-protocol.yaml`;
      const r = await t.run(['study', 'create', '--protocol', file], {
        env: { ...t.env, TRIALDESK_PASSWORD: undefined },
      });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(`^error: Cannot read the protocol file ${file}: ENOENT: no such file`),
      );
      expect(r.prompts).toEqual([]);
    });
  },
);
