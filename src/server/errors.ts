import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
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
    case 'request_timeout':
      return 408;
    case 'too_large':
      return 413;
    case 'uri_too_long':
      return 414;
    case 'unsupported_media_type':
      return 415;
    case 'headers_too_large':
      return 431;
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
  const domain = toDomainError(err, request);
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
  // The rest of an unread body (too large, timed out) must not be taken for the next request.
  if (CLOSES_CONNECTION.has(domain.code)) void reply.header('connection', 'close');
  void reply.status(httpStatus(domain.code)).send(body);
}

/**
 * Errors of the HTTP parser, before any request exists (`clientError`): answered in the same format,
 * then the connection is closed. The URL is not echoed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request line or headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request did not arrive in time']
        : err.code === 'HPE_URI_TOO_LONG'
          ? [414, 'uri_too_long', 'The URL is too long']
          : [400, 'validation', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable)
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  // A client that keeps its side open is cut off shortly after the answer.
  setTimeout(() => socket.destroy(), 1000).unref();
}

const CLOSES_CONNECTION = new Set<ErrorCode>(['request_timeout', 'too_large']);

export function toDomainError(err: unknown, request: FastifyRequest): DomainError {
  if (err instanceof DomainError) return err;
  const fe = err as Partial<FastifyError> & { code?: string };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own edge errors: malformed JSON, body too large, unsupported content type…
    const message = fe.message ?? 'Bad request';
    switch (fe.statusCode) {
      case 404:
        return new DomainError('not_found', message);
      case 408:
        return new DomainError('request_timeout', 'The request body did not arrive in time');
      case 413:
        return new DomainError('too_large', `The request body is too large: ${message}`);
      case 414:
        // Fastify's message quotes the URL: not echoed back.
        return new DomainError('uri_too_long', 'A path parameter of the URL is too long');
      case 415:
        return new DomainError(
          'unsupported_media_type',
          `Unsupported Content-Type ${JSON.stringify(String(request.headers['content-type'] ?? '').slice(0, 100))}: ` +
            'send application/json (or application/yaml for a protocol, text/csv for a lab import)',
        );
      default:
        // Fastify's message for a malformed URL quotes it: not echoed back.
        if (fe.code === 'FST_ERR_BAD_URL')
          return new DomainError('validation', 'The URL is not valid: a malformed %-escape');
        return new DomainError('validation', message);
    }
  }
  // PostgreSQL errors that reach here are races a service could not rule out beforehand.
  if (fe.code === '23505')
    return new DomainError('conflict', 'The record already exists (it was created concurrently)');
  if (fe.code === '40001' || fe.code === '40P01')
    return new DomainError('conflict', 'The request collided with a concurrent one: retry it');
  return new DomainError('internal', 'Internal error: it has been logged');
}
