/**
 * Domain errors. Services throw these; one error handler (plugins/problems.ts) turns them into
 * RFC 9457 problem+json. `code` is stable and part of the API contract.
 */
export class DomainError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationFailed extends DomainError {
  constructor(errors: FieldProblem[], message = 'The request is not valid.') {
    super(400, 'validation-failed', message, { errors });
  }
}

export class Unauthenticated extends DomainError {
  constructor(message = 'Authentication is required.', code = 'unauthenticated') {
    super(401, code, message);
  }
}

export class Forbidden extends DomainError {
  constructor(message = 'Your role does not allow this action.') {
    super(403, 'forbidden', message);
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super(404, 'not-found', `${what} was not found.`);
  }
}

export class Conflict extends DomainError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class TooManyRequests extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(429, code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 503 with Retry-After: something the answer depends on is not available just now. */
export class ServiceUnavailable extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(503, code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
