import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { duckTypeOf } from '../../src/shared/lakehouse/local/engine/types.js';
import { currentSchema, liveDataFiles, localFileIO, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { sqlList, sqlString, type RawDuck } from '../lib/duck.js';
import { progress } from '../lib/log.js';
import { collectGarbage, median, timed } from '../lib/stats.js';
import type { LakehouseOptions } from './options.js';

export interface QueryResults {
  readonly sql: string;
  readonly ref: string;
  readonly dataFiles: number;
  readonly rows: number;
  readonly oursMs: readonly number[];
  readonly rawMs: readonly number[];
  /** Diagnostic: raw DuckDB reading the files the way Floodgate's view does (`schema = map {field id: ...}`). */
  readonly rawMappedMs: readonly number[];
  readonly oursMedianMs: number;
  readonly rawMedianMs: number;
  readonly rawMappedMedianMs: number;
  /** raw / ours */
  readonly ratio: number;
  /** Diagnostic: a wide result (`SELECT * ... LIMIT n`) turned into row objects, Floodgate vs raw getRowObjectsJson. */
  readonly wide: { readonly rows: number; readonly oursMs: readonly number[]; readonly rawMs: readonly number[]; readonly ratio: number };
  /** Diagnostic: a query that reads one row (`SELECT trip_id ... LIMIT 1`): per-query fixed cost, medians. */
  readonly point: { readonly oursMedianMs: number; readonly rawMedianMs: number };
}

const AGGREGATE = (from: string) =>
  `SELECT payment_type, count(*) AS trips, sum(fare) AS fare, avg(distance_km) AS avg_distance_km FROM ${from} GROUP BY 1 ORDER BY 1`;

function tripsByPayment(rows: readonly Record<string, unknown>[]): string {
  return rows.map((row) => `${String(row['payment_type'])}=${String(row['trips'])}`).join(',');
}

/** The table's live data files at `ref` and a field-id `schema` map like Floodgate's query view, from its Iceberg metadata. */
async function tableAt(lakehouse: Lakehouse, table: string, ref: string): Promise<{ files: string[]; schemaMap: string }> {
  const info = (await lakehouse.listTables(ref)).find((t) => t.name === table);
  if (info?.metadataLocation === undefined) throw new Error(`${table} has no metadata at ${ref}`);
  const io = localFileIO();
  const metadata = await readTableMetadata(io, info.metadataLocation);
  const files = (await liveDataFiles(io, metadata)).map((f) => f.path);
  const entries = currentSchema(metadata).fields.map(
    (f) => `${f.id}: {name: ${sqlString(f.name)}, type: ${sqlString(duckTypeOf(f.type))}, default_value: NULL}`,
  );
  return { files, schemaMap: `map {${entries.join(', ')}}` };
}

const WIDE_ROWS = 200_000;
const WIDE_REPS = 3;
const POINT_REPS = 31;

/** A one-row query: what every queryRows call costs beyond DuckDB's own work. */
async function pointQuery(lakehouse: Lakehouse, duck: RawDuck, table: string, ref: string, files: readonly string[]): Promise<QueryResults['point']> {
  const ours = () => lakehouse.queryRows(`SELECT trip_id FROM ${table} LIMIT 1`, { ref });
  const raw = async () => (await duck.connection.runAndReadAll(`SELECT trip_id FROM read_parquet(${sqlList(files)}) LIMIT 1`)).getRowObjectsJson();
  const oursMs: number[] = [];
  const rawMs: number[] = [];
  for (let rep = 0; rep < POINT_REPS; rep++) {
    rawMs.push((await timed(raw)).ms);
    oursMs.push((await timed(ours)).ms);
  }
  return { oursMedianMs: median(oursMs), rawMedianMs: median(rawMs) };
}

/** `SELECT * ... LIMIT 200000` as row objects: isolates the cost of turning a large result into JS. */
async function wideResult(lakehouse: Lakehouse, duck: RawDuck, table: string, ref: string, files: readonly string[]): Promise<QueryResults['wide']> {
  const ours = () => lakehouse.queryRows(`SELECT * FROM ${table} LIMIT ${WIDE_ROWS}`, { ref });
  const raw = async () => (await duck.connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlList(files)}) LIMIT ${WIDE_ROWS}`)).getRowObjectsJson();
  const oursMs: number[] = [];
  const rawMs: number[] = [];
  for (let rep = 0; rep < WIDE_REPS; rep++) {
    collectGarbage();
    rawMs.push((await timed(raw)).ms);
    collectGarbage();
    oursMs.push((await timed(ours)).ms);
  }
  return { rows: WIDE_ROWS, oursMs, rawMs, ratio: median(rawMs) / median(oursMs) };
}

/** Full-scan GROUP BY through `queryRows` at a branch vs the same SQL over read_parquet of the table's files. */
export async function runQuery(options: LakehouseOptions, lakehouse: Lakehouse, duck: RawDuck, table: string, ref: string): Promise<QueryResults> {
  const { files, schemaMap } = await tableAt(lakehouse, table, ref);
  const oursSql = AGGREGATE(table);
  const rawSql = AGGREGATE(`read_parquet(${sqlList(files)})`);
  const rawMappedSql = AGGREGATE(`read_parquet(${sqlList(files)}, schema = ${schemaMap})`);
  const ours = () => lakehouse.queryRows(oursSql, { ref });
  const raw = async () => (await duck.connection.runAndReadAll(rawSql)).getRowObjectsJson() as Record<string, unknown>[];
  const rawMapped = async () => (await duck.connection.runAndReadAll(rawMappedSql)).getRowObjectsJson() as Record<string, unknown>[];

  const [first, baseline] = [await ours(), await raw()]; // warm-up, and a correctness check
  if (tripsByPayment(first) !== tripsByPayment(baseline)) {
    throw new Error(`results differ: floodgate ${tripsByPayment(first)} vs raw ${tripsByPayment(baseline)}`);
  }
  await rawMapped();
  const rows = first.reduce((sum, row) => sum + Number(row['trips']), 0);
  const sides = { ours: { run: ours, ms: [] as number[] }, raw: { run: raw, ms: [] as number[] }, rawMapped: { run: rawMapped, ms: [] as number[] } };
  const orders = [['raw', 'ours', 'rawMapped'], ['ours', 'rawMapped', 'raw'], ['rawMapped', 'raw', 'ours']] as const;
  for (let rep = 0; rep < options.queryReps; rep++) {
    // Rotate the order so drift on a shared machine hits every side.
    for (const side of orders[rep % orders.length] ?? orders[0]) {
      collectGarbage();
      sides[side].ms.push((await timed(sides[side].run)).ms);
    }
  }
  const wide = await wideResult(lakehouse, duck, table, ref, files);
  const point = await pointQuery(lakehouse, duck, table, ref, files);
  const oursMedianMs = median(sides.ours.ms);
  const rawMedianMs = median(sides.raw.ms);
  const rawMappedMedianMs = median(sides.rawMapped.ms);
  progress(`query: raw median ${rawMedianMs.toFixed(1)} ms, floodgate median ${oursMedianMs.toFixed(1)} ms over ${rows} rows`);
  return {
    sql: oursSql,
    ref,
    dataFiles: files.length,
    rows,
    oursMs: sides.ours.ms,
    rawMs: sides.raw.ms,
    rawMappedMs: sides.rawMapped.ms,
    oursMedianMs,
    rawMedianMs,
    rawMappedMedianMs,
    ratio: rawMedianMs / oursMedianMs,
    wide,
    point,
  };
}
