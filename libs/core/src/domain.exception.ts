/**
 * Domain errors carry a stable code; the HTTP layer maps codes to problem+json.
 * Messages must never contain clinical content or personal data.
 */
export type DomainErrorCode =
  | 'not_found'
  | 'conflict'
  | 'invalid'
  | 'unprocessable'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'gone'
  | 'unavailable';

export interface FieldProblem {
  field: string;
  message: string;
}

export class DomainException extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: {
      errors?: FieldProblem[];
      retryAfterSeconds?: number;
      /**
       * A problem type of its own (`https://mend.dev/problems/<type>`) when a client must tell
       * this problem apart from others of the same status; without it the type names the status.
       */
      type?: string;
    } = {},
  ) {
    super(message);
    this.name = 'DomainException';
  }

  static notFound(resource: string): DomainException {
    return new DomainException('not_found', `${resource} not found`);
  }
}
