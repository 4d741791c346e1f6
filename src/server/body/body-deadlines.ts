import { Transform, type Readable } from 'node:stream';
import { DomainError } from '../../core/errors.js';

/** Why a body stopped arriving: the 408 the client gets. */
export const bodyTimeout = (why: string): DomainError =>
  new DomainError('request_timeout', `The request body did not arrive in time: ${why}; nothing was saved`);

/**
 * The request body with an idle and a total deadline: when either passes, the stream fails with a
 * `request_timeout` error (408), so the parser gives up and the connection is closed. A client that
 * sends its headers and then stalls costs a socket until the deadline, never a transaction.
 */
export function withDeadlines(payload: Readable, idleMs: number, totalMs: number): Readable {
  let idle: NodeJS.Timeout | undefined;
  const fail = (why: string): void => {
    payload.unpipe(guarded);
    guarded.destroy(bodyTimeout(why));
  };
  const total = setTimeout(() => fail(`it took over ${seconds(totalMs)}`), totalMs);
  const rearm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => fail(`nothing arrived for ${seconds(idleMs)}`), idleMs);
  };
  const guarded = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      rearm();
      callback(null, chunk);
    },
  });
  const stop = (): void => {
    clearTimeout(idle);
    clearTimeout(total);
  };
  guarded.on('close', stop);
  guarded.on('end', stop);
  payload.on('end', stop);
  // A body no parser reads (refused for its content type) fails unheard: not an uncaught error.
  guarded.on('error', () => undefined);
  payload.on('error', (err) => guarded.destroy(err));
  // A client that goes away mid-body: the parser sees the stream fail rather than wait for its end.
  payload.on('aborted', () =>
    guarded.destroy(new DomainError('validation', 'The client closed the request')),
  );
  rearm();
  payload.pipe(guarded);
  return guarded;
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
