import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tableFromJSON, type Table } from 'apache-arrow';
import { FloodgateError } from '../../errors/index.js';
import { QueryFailedError, TableNotFoundError } from '../errors.js';
import { assertSingleSelect } from '../local/engine/query.js';
import { readFlightResults } from './flight/client.js';
import type { JobClient } from './jobs/client.js';
import { assertSucceeded } from './jobs/outcome.js';
import type { ScratchDuck } from './scratch-duck.js';

const run = promisify(execFile);

export interface RemoteQueryDeps {
  readonly jobs: JobClient;
  readonly jobTimeoutMs: number;
  /** Environment for the `bauplan` CLI fallback (carries the API key; never logged). */
  readonly cliEnv: Readonly<Record<string, string>>;
  /** Parses queries before they are submitted. */
  readonly scratch: ScratchDuck;
  /** Looks the `bauplan` CLI up on PATH; replaceable in tests. */
  readonly findCli?: () => Promise<string | undefined>;
}

async function bauplanOnPath(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v bauplan']);
    return stdout.trim() === '' ? undefined : stdout.trim();
  } catch {
    return undefined;
  }
}

/** The newer result path (an artifact over QUIC) is read by the official CLI, when installed. */
async function queryWithCli(deps: RemoteQueryDeps, sql: string, ref: string, signal?: AbortSignal): Promise<Table> {
  const cli = await (deps.findCli ?? bauplanOnPath)();
  if (cli === undefined) {
    throw new QueryFailedError(
      'Bauplan answered with a result artifact (its newer result path), which Floodgate reads only through the bauplan CLI: ' +
        'install it (pip install bauplan) and put it on PATH',
    );
  }
  const { stdout } = await run(cli, ['query', '-O', 'json', '--all-rows', '--ref', ref, sql], {
    env: { ...process.env, ...deps.cliEnv },
    maxBuffer: 1024 * 1024 * 1024,
    ...(signal === undefined ? {} : { signal }),
  });
  const rows = JSON.parse(stdout) as Record<string, unknown>[];
  return tableFromJSON(rows);
}

/** Bauplan's message for a missing table, as our TableNotFoundError. */
function mapQueryFailure(error: FloodgateError, ref: string): FloodgateError {
  const remote = String(error.details['remoteMessage'] ?? error.message);
  const missing = /table\s+["'`]?([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)["'`]?\s+(does not exist|not found)/i.exec(remote) ??
    /(?:table|relation)\s+with\s+name\s+["'`]?([A-Za-z0-9_.]+)["'`]?\s+does not exist/i.exec(remote);
  if (missing?.[1] !== undefined) return new TableNotFoundError(missing[1], ref);
  if (error.retryable) return error;
  return new QueryFailedError(`query failed on Bauplan: ${remote}`, error);
}

/**
 * Runs a query job at `ref` and reads its result over Arrow Flight (or through the CLI). Bauplan's
 * query jobs are read-only, and DuckDB's parser refuses anything but one SELECT before it is
 * submitted, as on the local backend.
 */
export async function runRemoteQuery(deps: RemoteQueryDeps, sql: string, ref: string, signal?: AbortSignal): Promise<Table> {
  await (await deps.scratch.get()).withConnection((connection) => assertSingleSelect(connection, sql));
  const submitted = await deps.jobs.queryRun({ ref, sql });
  const result = await deps.jobs.watch(submitted.jobId, { timeoutMs: deps.jobTimeoutMs, ...(signal === undefined ? {} : { signal }) });
  try {
    assertSucceeded(result, `query at ${ref}`);
  } catch (error) {
    if (error instanceof FloodgateError && error.code === 'JOB_FAILED') throw mapQueryFailure(error, ref);
    throw error;
  }
  if (submitted.resultArtifact !== undefined || result.flight === undefined) return queryWithCli(deps, sql, ref, signal);
  return readFlightResults({
    endpoint: result.flight.endpoint,
    token: result.flight.magicToken,
    useTls: result.flight.useTls,
    timeoutMs: deps.jobTimeoutMs,
    ...(signal === undefined ? {} : { signal }),
  });
}
