import { TERMINAL_STATUSES, type RunPatch, type RunRecord, type RunStatus, type Stage } from './types.js';

/** A change to a run: a status (appended to the history), fields, one more attempt at a stage. */
export interface RunChange {
  readonly status?: RunStatus;
  readonly note?: string;
  readonly patch?: RunPatch;
  /** Counts one more attempt at this stage, in the same atomic update. */
  readonly attempt?: Stage;
}

const ATTEMPT = 'attempt:';

/** The hash fields of a new record: `status` as text, the rest as JSON. */
export function recordFields(record: RunRecord): string[] {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || name === 'attempts') continue;
    fields.push(name, name === 'status' ? String(value) : JSON.stringify(value));
  }
  for (const [stage, count] of Object.entries(record.attempts)) fields.push(`${ATTEMPT}${stage}`, String(count));
  return fields;
}

/** The record from HGETALL's flat field/value list. */
export function decodeRecord(flat: readonly string[]): RunRecord {
  const record: Record<string, unknown> = {};
  const attempts: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    if (name === 'status') record[name] = value;
    else if (name.startsWith(ATTEMPT)) attempts[name.slice(ATTEMPT.length)] = Number(value);
    else record[name] = JSON.parse(value);
  }
  record['attempts'] = attempts;
  return record as unknown as RunRecord;
}

/** The change as the ARGV tail `apply_change` reads (see scripts.ts). */
export function changeArgs(change: RunChange, at: string, retentionSeconds: number): string[] {
  const terminal = change.status !== undefined && TERMINAL_STATUSES.has(change.status);
  const entry = change.status === undefined ? '' : JSON.stringify({ status: change.status, at, ...(change.note === undefined ? {} : { note: change.note }) });
  const patch: string[] = [];
  for (const [name, value] of Object.entries(change.patch ?? {})) {
    if (value !== undefined && name !== 'attempts') patch.push(name, JSON.stringify(value));
  }
  return [JSON.stringify(at), terminal ? '1' : '0', String(retentionSeconds), change.status ?? '', entry, change.attempt ?? '', String(patch.length / 2), ...patch];
}
