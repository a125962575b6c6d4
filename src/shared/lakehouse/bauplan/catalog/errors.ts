import { FloodgateError } from '../../../errors/index.js';
import {
  MergeConflictError,
  RefChangedError,
  RefExistsError,
  RefNotFoundError,
  TableNotFoundError,
} from '../../errors.js';
import { catalogRefSchema, errorEnvelopeSchema, parseCatalogJson, type RemoteError } from './schemas.js';

/** What the client was doing when Bauplan answered with an error; used in messages only. */
export interface CatalogRequest {
  method: string;
  /** The decoded path under `/catalog/v0`, e.g. `/branches/alice.wap`. */
  path: string;
  /** The ref (or source ref of a merge) the call names, when Bauplan's context names none. */
  ref?: string;
  /** The branch a merge goes into. */
  into?: string;
  /** `namespace.name` of the table the call names. */
  table?: string;
}

const INVALID_NAME_TYPES = new Set(['INVALID_REF', 'NOT_A_BRANCH_REF', 'NOT_A_TAG_REF', 'NOT_A_WRITE_BRANCH_REF']);

/**
 * Maps a Bauplan catalog error response to a FloodgateError. `body` is the parsed JSON (or the
 * raw text). The remote `type` is kept in `details.remoteType`, the HTTP status in `details.status`.
 */
export function catalogError(status: number, body: unknown, request: CatalogRequest): FloodgateError {
  const remote = parseRemote(body);
  const error = mapError(status, remote, request);
  Object.assign(error.details, {
    status,
    remoteType: remote?.type ?? null,
    ...(remote?.message ? { remoteMessage: remote.message } : {}),
    request: `${request.method} ${request.path}`,
  });
  return error;
}

/** Replaces every occurrence of a secret in an error's message and string details. */
export function redactSecret<E extends Error>(error: E, secret: string): E {
  if (secret === '') return error;
  const scrub = (text: string): string => text.split(secret).join('[redacted]');
  if (error.message.includes(secret)) error.message = scrub(error.message);
  if (error instanceof FloodgateError) {
    for (const [key, value] of Object.entries(error.details)) {
      if (typeof value === 'string' && value.includes(secret)) error.details[key] = scrub(value);
    }
  }
  return error;
}

function parseRemote(body: unknown): RemoteError | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = parseCatalogJson(value);
    } catch {
      return undefined;
    }
  }
  const parsed = errorEnvelopeSchema.safeParse(value);
  return parsed.success ? parsed.data.error : undefined;
}

function mapError(status: number, remote: RemoteError | undefined, request: CatalogRequest): FloodgateError {
  const where = `${request.method} ${request.path}`;
  const remoteText = remote?.message ? `: ${remote.message}` : '';
  const context = remote?.context ?? {};
  if (status === 429) return new FloodgateError('RATE_LIMITED', `Bauplan rate-limited ${where}${remoteText}`, { retryable: true });
  if (status >= 500) {
    return new FloodgateError('CATALOG_UNAVAILABLE', `Bauplan catalog failed on ${where} (HTTP ${status})${remoteText}`, { retryable: true });
  }
  const type = remote?.type ?? (status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : undefined);
  if (type === undefined) {
    return new FloodgateError('INTERNAL', `unexpected response from Bauplan catalog to ${where} (HTTP ${status})`);
  }
  if (INVALID_NAME_TYPES.has(type)) {
    return new FloodgateError('INVALID_NAME', `Bauplan rejected the ref in ${where} (${type})${remoteText}`);
  }
  if (type === 'UNAUTHORIZED') {
    return new FloodgateError('REMOTE_UNAUTHORIZED', `Bauplan rejected the API key on ${where}; check BAUPLAN_API_KEY`);
  }
  if (type === 'FORBIDDEN' || type.endsWith('_FORBIDDEN')) return new FloodgateError('REMOTE_FORBIDDEN', forbiddenMessage(type, where, remoteText));
  switch (type) {
    case 'BRANCH_NOT_FOUND':
    case 'TAG_NOT_FOUND':
    case 'REF_NOT_FOUND':
      return new RefNotFoundError(text(context.branch_name) ?? text(context.tag_name) ?? text(context.input_ref) ?? request.ref ?? request.path);
    case 'TABLE_NOT_FOUND':
    case 'NAMESPACE_NOT_FOUND':
      return new TableNotFoundError(
        request.table ?? text(context.table_name) ?? text(context.namespace_name) ?? request.path,
        text(context.input_ref) ?? request.ref ?? '?',
      );
    case 'BRANCH_EXISTS':
    case 'TAG_EXISTS':
      return new RefExistsError(text(context.branch_name) ?? text(context.tag_name) ?? request.ref ?? request.path);
    case 'TABLE_EXISTS':
      return new FloodgateError('TABLE_EXISTS', `table ${text(context.table_name) ?? request.table ?? '?'} already exists (${where})`);
    case 'BRANCH_HEAD_CHANGED': {
      const input = refOf(context.input_ref);
      const head = refOf(context.head_ref);
      return new RefChangedError(input?.name ?? request.ref ?? request.path, input?.hash ?? '?', head?.hash ?? '?');
    }
    case 'MERGE_CONFLICT':
      return new MergeConflictError(
        refOf(context.source_ref)?.name ?? request.ref ?? '?',
        refOf(context.destination_ref)?.name ?? request.into ?? '?',
        conflictTables(context),
      );
    default:
      return new FloodgateError('INVALID_INPUT', `Bauplan refused ${where} (${type}, HTTP ${status})${remoteText}`);
  }
}

function forbiddenMessage(type: string, where: string, remoteText: string): string {
  if (type === 'CREATE_BRANCH_FORBIDDEN') {
    return `Bauplan forbids ${where}: only admins may create branches without the \`username.\` prefix (name it \`<username>.<branch>\`)${remoteText}`;
  }
  if (type === 'MERGE_FORBIDDEN') {
    return `Bauplan forbids ${where}: the target branch is protected and needs an admin's key to merge into it (or set FLOODGATE_TARGET_BRANCH to a branch of yours)${remoteText}`;
  }
  return `Bauplan forbids ${where} (${type})${remoteText}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function refOf(value: unknown): { name?: string | undefined; hash: string } | undefined {
  const parsed = catalogRefSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const name = text(value);
  return name === undefined ? undefined : { name, hash: '?' };
}

function conflictTables(context: Record<string, unknown>): string[] {
  const list = context.tables ?? context.conflicts;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item === 'string') return [item];
    if (typeof item === 'object' && item !== null) {
      const named = (item as Record<string, unknown>).table ?? (item as Record<string, unknown>).name;
      return typeof named === 'string' ? [named] : [];
    }
    return [];
  });
}
