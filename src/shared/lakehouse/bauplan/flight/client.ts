import type { Table } from 'apache-arrow';
import { InvalidInputError, QueryFailedError } from '../../errors.js';
import { registerArrowCodecs } from './codecs.js';
import { combineStreams, decodeInfoSchema, decodeStream } from './decode.js';
import { parseFlightEndpoint } from './endpoint.js';
import type { IpcMessage } from './ipc.js';
import { grpcFlightTransport, type FlightTransport } from './transport.js';

/** Where a Bauplan query's results wait, as its `flight_server_start` event announces them. */
export interface FlightResultsOptions {
  /** `host:port`, or behind `grpc://`, `grpc+tls://`, `http://` or `https://` (the TLS ones force TLS). */
  endpoint: string;
  /** The event's magic token, sent as `authorization: Bearer <token>`. */
  token: string;
  useTls: boolean;
  /** Aborting cancels the calls and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline for the whole read (default 10 minutes). */
  timeoutMs?: number;
  /** Row cap the server applies (`{"max_rows": n}` in ListFlights' criteria); null or absent for all rows. */
  maxRows?: number | null;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const SHUTDOWN_WAIT_MS = 2_000;
const PARALLEL_GETS = 2;

/**
 * Reads a query's results from Bauplan's Flight server, as Bauplan's SDK does: ListFlights with
 * the row cap, then DoGet on every ticket of the first flight (two at a time, kept in order),
 * joined into one Table. Endpoint locations are ignored: the tickets are redeemed on the server
 * that listed them. Afterwards the server is told to shut down (best effort, at most ~2 s).
 */
export async function readFlightResults(options: FlightResultsOptions): Promise<Table> {
  options.signal?.throwIfAborted();
  const maxRows = options.maxRows ?? null;
  if (maxRows !== null && !(Number.isSafeInteger(maxRows) && maxRows >= 0)) {
    throw new InvalidInputError(`maxRows must be a non-negative integer or null, not ${maxRows}`);
  }
  registerArrowCodecs();
  const transport = grpcFlightTransport(parseFlightEndpoint(options.endpoint, options.useTls), options.token);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = new Date(Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  try {
    return await readResults(transport, { signal: controller.signal, deadline }, maxRows);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    const shutdown = shutdownServer(transport).finally(() => transport.close());
    // After an abort the caller has stopped waiting: shut down in the background.
    if (options.signal?.aborted !== true) await shutdown;
  }
}

async function readResults(transport: FlightTransport, call: { signal: AbortSignal; deadline: Date }, maxRows: number | null): Promise<Table> {
  const criteria = { expression: Buffer.from(JSON.stringify({ max_rows: maxRows }), 'utf8') };
  const flights = (await transport.call('ListFlights', criteria, call)) as FlightInfoMessage[];
  const flight = flights[0];
  if (flight === undefined) throw new QueryFailedError("Bauplan's result server listed no flights");
  const tickets = (flight.endpoint ?? []).flatMap((endpoint) => (endpoint.ticket ? [endpoint.ticket] : []));
  const controller = new AbortController();
  const stop = (): void => controller.abort(call.signal.reason);
  call.signal.addEventListener('abort', stop, { once: true });
  try {
    const streams = await mapLimited(tickets, PARALLEL_GETS, async (ticket) => {
      try {
        const data = (await transport.call('DoGet', ticket, { ...call, signal: controller.signal })) as FlightDataMessage[];
        return decodeStream(toIpcMessages(data));
      } catch (error) {
        controller.abort(error); // cancels the other DoGets
        throw error;
      }
    });
    return combineStreams(() => decodeInfoSchema(flight.schema ?? new Uint8Array(0)), streams);
  } finally {
    call.signal.removeEventListener('abort', stop);
  }
}

async function shutdownServer(transport: FlightTransport): Promise<void> {
  const deadline = new Date(Date.now() + SHUTDOWN_WAIT_MS);
  await transport.call('DoAction', { type: 'shutdown', body: Buffer.alloc(0) }, { deadline, signal: AbortSignal.timeout(SHUTDOWN_WAIT_MS) }).catch(() => undefined);
}

/** FlightData messages with no IPC header (app_metadata only) carry no Arrow data. */
function toIpcMessages(data: readonly FlightDataMessage[]): IpcMessage[] {
  return data.flatMap((message) =>
    message.data_header && message.data_header.byteLength > 0 ? [{ header: message.data_header, body: message.data_body ?? new Uint8Array(0) }] : [],
  );
}

/** Runs `work` on every item, at most `limit` at a time, keeping results in item order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface FlightInfoMessage {
  schema?: Uint8Array | null;
  endpoint?: Array<{ ticket?: { ticket: Uint8Array } | null }> | null;
}

interface FlightDataMessage {
  data_header?: Uint8Array | null;
  data_body?: Uint8Array | null;
}
