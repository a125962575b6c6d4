/** A REST error answer: `{"error": {"type", "message", "context"}}` with an HTTP status. */
export class RestError extends Error {
  readonly status: number;
  readonly type: string;
  readonly context: Record<string, unknown>;

  constructor(status: number, type: string, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.context = context;
  }
}

export const DEFAULT_ERROR_TYPE: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

interface LocalError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
  readonly tables?: readonly string[];
}

function isLocalError(error: unknown): error is LocalError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** How one route names the errors a lookup can raise; anything left out gets the generic mapping. */
export interface ErrorHints {
  readonly notFound?: () => RestError;
  readonly exists?: () => RestError;
  readonly invalid?: () => RestError;
}

/** Maps an error of the backing local lakehouse to Bauplan's error envelope. */
export function toRestError(error: unknown, hints: ErrorHints = {}): RestError {
  if (error instanceof RestError) return error;
  if (!isLocalError(error)) return new RestError(500, 'INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
  const details = error.details ?? {};
  switch (error.code) {
    case 'REF_NOT_FOUND':
      return hints.notFound?.() ?? new RestError(404, 'REF_NOT_FOUND', error.message, { input_ref: details['ref'] });
    case 'REF_EXISTS':
      return hints.exists?.() ?? new RestError(409, 'BRANCH_EXISTS', error.message, { branch_name: details['ref'] });
    case 'INVALID_NAME':
      return hints.invalid?.() ?? new RestError(400, 'INVALID_REF', error.message, { input_ref: details['value'] });
    case 'TABLE_NOT_FOUND':
      return new RestError(404, 'TABLE_NOT_FOUND', error.message, { table_name: details['table'], input_ref: details['ref'] });
    case 'MERGE_CONFLICT':
      return new RestError(409, 'MERGE_CONFLICT', error.message, { tables: error.tables ?? details['tables'] ?? [] });
    case 'REF_CHANGED':
      return new RestError(409, 'BRANCH_HEAD_CHANGED', error.message, {});
    default:
      return new RestError(500, 'INTERNAL_ERROR', error.message);
  }
}
