/** The codes a domain error can carry; the HTTP layer maps each to one status. */
export const ERROR_CODES = [
  'validation',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'request_timeout',
  'too_large',
  'uri_too_long',
  'unsupported_media_type',
  'headers_too_large',
  'study_locked',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field of the input: `path` locates it, `message` says why. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** The one error type of trialdesk: a code, a human message, and structured details. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export const validationError = (message: string, issues: readonly FieldIssue[] = []): DomainError =>
  new DomainError('validation', message, issues.length > 0 ? { issues } : undefined);

export const notFound = (entity: string, id: string): DomainError =>
  new DomainError('not_found', `${entity} ${id} was not found`, { entity, id });

export const forbidden = (action: string, why?: string): DomainError =>
  new DomainError('forbidden', why ? `Not allowed to ${action}: ${why}` : `Not allowed to ${action}`, {
    action,
  });

export const conflict = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError('conflict', message, details);

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
