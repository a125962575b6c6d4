import type { FlightResults } from './flight-server.js';
import type { JobHandler } from './jobs.js';
import { text } from './job-target.js';
import type { FakeContext } from './state.js';

/**
 * QueryRun: runs the SQL on the backing store at the ref. The rows wait on the fake's Flight
 * server under a fresh magic token announced by flight_server_start, or, in result-artifact
 * mode, are not served at all (the artifact path needs Bauplan's iroh/QUIC transport).
 */
export function queryRun(
  context: FakeContext,
  flight: FlightResults,
  request: Readonly<Record<string, unknown>>,
  resultArtifact: boolean,
): JobHandler {
  return async ({ job, emit, signal }) => {
    const sql = text(request['sql_query']);
    if (sql === undefined) throw new Error('INVALID_INPUT: sql_query is required');
    const table = await context.lakehouse.query(sql, { ref: text(request['ref']) ?? 'main', signal });
    if (!resultArtifact) {
      emit({
        flight_server_start: {
          endpoint: flight.endpoint,
          job_id: job.id,
          task_id: '',
          num_rows: table.numRows,
          use_tls: false,
          magic_token: flight.register(table),
        },
      });
    }
    return { success: `query returned ${table.numRows} rows` };
  };
}
