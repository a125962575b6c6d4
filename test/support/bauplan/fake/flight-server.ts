import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Table, tableToIPC } from 'apache-arrow';
import { encodeIpcMessages, frameIpcMessage } from '../../../../src/shared/lakehouse/bauplan/flight/ipc.js';
import { flightService } from '../../../../src/shared/lakehouse/bauplan/proto/services.js';
import { bearerToken, grpcError, startGrpcServer } from './grpc-server.js';

/** Query results the fake serves over Arrow Flight, one per magic token. */
export interface FlightResults {
  /** `127.0.0.1:<port>`, as announced in flight_server_start. */
  readonly endpoint: string;
  /** DoAction('shutdown') calls so far. */
  readonly shutdowns: number;
  register(table: Table): string;
  close(): Promise<void>;
}

interface Result {
  readonly table: Table;
  /** The two parts the last ListFlights announced (tickets part-0, part-1). */
  parts: [Table, Table];
}

/** Splits a table's batches into two parts; the second may be empty. */
function split(table: Table): [Table, Table] {
  const half = Math.ceil(table.batches.length / 2);
  return [new Table(table.schema, table.batches.slice(0, half)), new Table(table.schema, table.batches.slice(half))];
}

function maxRowsOf(expression: Buffer | undefined): number | null {
  if (expression === undefined || expression.length === 0) return null;
  try {
    const value = (JSON.parse(expression.toString('utf8')) as { max_rows?: unknown }).max_rows;
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
  } catch {
    return null;
  }
}

function messagesOf(table: Table): Array<{ data_header: Buffer; data_body: Buffer }> {
  return encodeIpcMessages(tableToIPC(table, 'stream')).map((m) => ({ data_header: Buffer.from(m.header), data_body: Buffer.from(m.body) }));
}

/** An Arrow Flight server (ListFlights, DoGet, DoAction 'shutdown') like the one a Bauplan query starts. */
export async function startFlightServer(): Promise<FlightResults> {
  const results = new Map<string, Result>();
  let shutdowns = 0;

  function authorize(call: grpc.ServerWritableStream<Record<string, unknown>, unknown>): [string, Result] | undefined {
    const token = bearerToken(call.metadata);
    const result = token === undefined ? undefined : results.get(token);
    if (token === undefined || result === undefined) {
      call.emit('error', grpcError(grpc.status.UNAUTHENTICATED, 'unknown or expired magic token'));
      return undefined;
    }
    return [token, result];
  }

  const server = await startGrpcServer(flightService(), {
    ListFlights: (call: grpc.ServerWritableStream<{ expression?: Buffer }, unknown>) => {
      const found = authorize(call);
      if (found === undefined) return;
      const [, result] = found;
      const maxRows = maxRowsOf(call.request.expression);
      const table = maxRows === null || maxRows >= result.table.numRows ? result.table : result.table.slice(0, maxRows);
      result.parts = split(table);
      const [schema] = encodeIpcMessages(tableToIPC(new Table(table.schema), 'stream'));
      call.write({
        schema: schema === undefined ? Buffer.alloc(0) : Buffer.from(frameIpcMessage(schema.header, schema.body)),
        flight_descriptor: { type: 2, cmd: Buffer.alloc(0), path: [] },
        endpoint: result.parts.map((_, index) => ({ ticket: { ticket: Buffer.from(`part-${index}`) }, location: [] })),
        total_records: String(table.numRows),
        total_bytes: '-1',
      });
      call.end();
    },
    DoGet: (call: grpc.ServerWritableStream<{ ticket?: Buffer }, unknown>) => {
      const found = authorize(call);
      if (found === undefined) return;
      const [, result] = found;
      const index = ['part-0', 'part-1'].indexOf(call.request.ticket?.toString('utf8') ?? '');
      const part = result.parts[index as 0 | 1];
      if (index < 0 || part === undefined) {
        call.emit('error', grpcError(grpc.status.NOT_FOUND, 'unknown ticket'));
        return;
      }
      for (const message of messagesOf(part)) call.write(message);
      call.end();
    },
    DoAction: (call: grpc.ServerWritableStream<{ type?: string }, unknown>) => {
      const found = authorize(call);
      if (found === undefined) return;
      if (call.request.type !== 'shutdown') {
        call.emit('error', grpcError(grpc.status.UNIMPLEMENTED, `unknown action ${call.request.type ?? ''}`));
        return;
      }
      shutdowns++;
      results.delete(found[0]);
      call.end();
    },
  });

  return {
    endpoint: server.target,
    get shutdowns() {
      return shutdowns;
    },
    register(table) {
      const token = crypto.randomBytes(24).toString('base64url');
      results.set(token, { table, parts: split(table) });
      return token;
    },
    close: async () => {
      results.clear();
      await server.close();
    },
  };
}
