import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../core/errors.js';

/** The one mapping from domain error codes to HTTP statuses. */
export function httpStatus(code: ErrorCode): number {
  switch (code) {
    case 'validation':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'rate_limited':
      return 429;
    case 'study_locked':
      return 423;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: Record<string, unknown>;
  };
}

/** Turns any thrown value into the error body; unknown errors are logged and never leak details. */
export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const domain = toDomainError(err);
  if (domain.code === 'internal') request.log.error({ err }, 'unhandled error');
  const body: ErrorBody = {
    error: {
      code: domain.code,
      message: domain.message,
      ...(domain.details ? { details: { ...domain.details } } : {}),
    },
  };
  // A refusal that passes with time (throttled sign-ins, a full password queue) says when to retry.
  const retryAfter = domain.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(Math.ceil(retryAfter)));
  void reply.status(httpStatus(domain.code)).send(body);
}

function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const fe = err as Partial<FastifyError> & { code?: string };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own edge errors: malformed JSON, body too large, unsupported content type…
    const message = fe.message ?? 'Bad request';
    if (fe.statusCode === 413)
      return new DomainError('validation', `The request body is too large: ${message}`);
    if (fe.statusCode === 404) return new DomainError('not_found', message);
    return new DomainError('validation', message);
  }
  // PostgreSQL errors that reach here are races a service could not rule out beforehand.
  if (fe.code === '23505')
    return new DomainError('conflict', 'The record already exists (it was created concurrently)');
  if (fe.code === '40001' || fe.code === '40P01')
    return new DomainError('conflict', 'The request collided with a concurrent one: retry it');
  return new DomainError('internal', 'Internal error: it has been logged');
}
