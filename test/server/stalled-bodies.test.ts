import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/server/route.js';
import { engines } from '../support/engines.js';
import { eligibleNr } from '../support/trial.js';
import { auditCount, openServer, openTrial, type HttpTrial, type TestServer } from './support.js';

/** Long enough for the other requests to be answered well before it, even on a loaded machine. */
const IDLE_MS = 4000;
const TOTAL_MS = 9000;
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** A raw HTTP exchange: what was written, and everything the server sent until it closed. */
interface RawExchange {
  /** Resolves with the whole answer once the server closes the connection. */
  readonly answer: Promise<string>;
  /** True once the first byte of an answer arrived. */
  answered(): boolean;
  write(text: string): void;
  end(): void;
  destroy(): void;
}

function rawRequest(port: number, head: string, body: string): RawExchange {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined); // a reset after the answer: the answer is what counts
  });
  socket.write(head + body);
  return {
    answer,
    answered: () => received.length > 0,
    write: (text) => socket.write(text),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

const head = (method: string, path: string, token: string, contentType: string, length: number): string =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${SESSION_COOKIE}=${token}\r\n` +
  `Content-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`;

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const errorCodeOf = (answer: string): string | undefined => {
  const json = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  return (JSON.parse(json) as { error?: { code?: string } }).error?.code;
};

describe.each(engines())('stalled and slow request bodies on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let base: string;
  let port: number;
  let spoolDir: string;
  let screeningNumber: string;

  const results = async (): Promise<number> => {
    const { rows } = await sql<{ n: string | number }>`
      select count(*) as n from results where study_id = ${t.id}`.execute(s.database.db);
    return Number(rows[0]?.n);
  };
  /** What a refused upload must leave as it was. */
  const state = async () => [
    await results(),
    await auditCount(s, t),
    (await s.call({ method: 'GET', url: `/api/studies/${t.id}/lab-imports`, token: t.dm.token })).body,
    (await s.call({ method: 'GET', url: `/api/studies/${t.id}/sites`, token: t.dm.token })).body,
  ];
  /** Other callers are served meanwhile: a read, the health check, and a write (the one PGlite connection). */
  const othersAreServed = async (): Promise<void> => {
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    const subjects = await fetch(`${base}/api/studies/${t.id}/subjects`, {
      headers: { cookie: `${SESSION_COOKIE}=${t.dm.token}` },
    });
    expect(subjects.status).toBe(200);
    const code = `Q${randomUUID().slice(0, 8).toUpperCase()}`;
    const site = await fetch(`${base}/api/studies/${t.id}/sites`, {
      method: 'POST',
      headers: { cookie: `${SESSION_COOKIE}=${t.dm.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: `Site ${code}`, country: 'CA' }),
    });
    expect(site.status, await site.text()).toBe(201);
  };

  beforeAll(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'trialdesk-spool-test-'));
    s = await openServer(engine, {
      // Every CSV body over 64 bytes goes to a temporary file in spoolDir.
      limits: { bodyIdleMs: IDLE_MS, bodyTotalMs: TOTAL_MS, spoolAboveBytes: 64, spoolDir },
    });
    t = await openTrial(s, { sites: 1, kitsPerDrug: 4 });
    const site = t.sites[0]!;
    const screened = await s.call({
      method: 'POST',
      url: `/api/studies/${t.id}/subjects`,
      token: site.coordinator.token,
      body: { siteId: site.id, answers: eligibleNr(), consentedOn: daysAgo(90) },
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const subject = screened.json<{ id: string; screeningNumber: string }>();
    screeningNumber = subject.screeningNumber;
    const randomized = await s.call({
      method: 'POST',
      url: `/api/subjects/${subject.id}/randomize`,
      token: site.coordinator.token,
      body: { requestId: randomUUID() },
    });
    expect(randomized.statusCode, randomized.body).toBe(201);
    const address = await s.app.listen({ host: '127.0.0.1', port: 0 });
    base = address;
    port = Number(new URL(address).port);
  });
  afterAll(async () => {
    await s.close();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('serves everyone else while a lab upload stalls after its header row, then answers it 408 and saves nothing', async () => {
    const before = await state();
    const partial = `subject,visit,date,result,unit,lloq\n${screeningNumber},D0,${daysAgo(20)},2400000,IU/mL,15\n${screeningNumber},W1,`;
    const stalled = rawRequest(
      port,
      head('POST', `/api/studies/${t.id}/lab-imports?assay=COBAS`, t.lab.token, 'text/csv', 10_000),
      partial,
    );
    await othersAreServed();
    await othersAreServed();
    expect(stalled.answered()).toBe(false);
    const answer = await stalled.answer;
    expect(statusOf(answer), answer).toBe(408);
    expect(errorCodeOf(answer)).toBe('request_timeout');
    expect(answer).toMatch(/content-type: application\/json/i);
    const after = await state();
    // The writes of othersAreServed added two sites: compare everything else.
    expect([after[0], after[2]]).toEqual([before[0], before[2]]);
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('refuses a signed-out upload before receiving its body: 401 at once, nothing spooled', async () => {
    const before = await results();
    // Announces 100 MB and sends a few bytes: the answer must come before the rest could.
    const upload = rawRequest(
      port,
      head('POST', `/api/studies/${t.id}/lab-imports?assay=COBAS`, 'not-a-session', 'text/csv', 100_000_000),
      'subject,visit,date,result,unit,lloq\n',
    );
    await expect.poll(() => upload.answered()).toBe(true);
    upload.destroy();
    const answer = await upload.answer;
    expect(statusOf(answer), answer).toBe(401);
    expect(errorCodeOf(answer)).toBe('unauthenticated');
    expect(await readdir(spoolDir)).toEqual([]);
    expect(await results()).toBe(before);
  });

  it('answers 408 to an upload that trickles in slower than the total deadline allows', async () => {
    const before = await results();
    const trickle = rawRequest(
      port,
      head('POST', `/api/studies/${t.id}/lab-imports?assay=COBAS`, t.lab.token, 'text/csv', 100_000),
      'subject,visit,date,result,unit,lloq\n',
    );
    // A byte every 300 ms never trips the idle deadline, only the total one.
    const timer = setInterval(() => trickle.write('x'), 300);
    try {
      await othersAreServed();
      const answer = await trickle.answer;
      expect(statusOf(answer), answer).toBe(408);
      expect(errorCodeOf(answer)).toBe('request_timeout');
    } finally {
      clearInterval(timer);
    }
    expect(await results()).toBe(before);
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('answers 408 to a JSON body that stalls, and creates nothing', async () => {
    const before = await state();
    const stalled = rawRequest(
      port,
      head('POST', `/api/studies/${t.id}/sites`, t.dm.token, 'application/json', 200),
      '{"code":"STALL","name":"Stalled',
    );
    await fetch(`${base}/api/health`);
    expect(stalled.answered()).toBe(false);
    const answer = await stalled.answer;
    expect(statusOf(answer), answer).toBe(408);
    expect(errorCodeOf(answer)).toBe('request_timeout');
    expect(await state()).toEqual(before);
  });

  it('keeps nothing of an upload whose client goes away mid-file, and stays up', async () => {
    const before = await results();
    const gone = rawRequest(
      port,
      head('POST', `/api/studies/${t.id}/lab-imports?assay=COBAS`, t.lab.token, 'text/csv', 10_000),
      `subject,visit,date,result,unit,lloq\n${screeningNumber},D0,${daysAgo(20)},2400000,IU/mL,15\n`,
    );
    await othersAreServed();
    gone.destroy();
    await gone.answer;
    await othersAreServed();
    expect(await results()).toBe(before);
    // The spooled part is removed once the server notices the closed connection.
    await expect.poll(() => readdir(spoolDir), { timeout: 10_000 }).toEqual([]);
  });

  it('imports a file received whole over a real connection, spooled to disk and removed afterwards', async () => {
    const body = `subject,visit,date,result,unit,lloq\n${screeningNumber},D0,${daysAgo(20)},2400000,IU/mL,15\n`;
    const res = await fetch(`${base}/api/studies/${t.id}/lab-imports?assay=COBAS`, {
      method: 'POST',
      headers: { cookie: `${SESSION_COOKIE}=${t.lab.token}`, 'content-type': 'text/csv' },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toMatchObject({ rows: 1, inserted: 1 });
    expect(await readdir(spoolDir)).toEqual([]);
  });
});
