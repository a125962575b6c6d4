import fs from 'node:fs/promises';
import path from 'node:path';
import { Duck } from '../lakehouse/local/engine/duck.js';
import { quoteString } from '../lakehouse/local/engine/types.js';

export interface DemoData {
  /** A clean batch of taxi trips. */
  readonly good: string;
  /** A batch with null trip ids, negative fares and duplicate trip ids. */
  readonly bad: string;
  readonly goodRows: number;
  readonly badRows: number;
}

/** NYC-taxi-like trips: ids, times, zones, distance, fares and payment types. */
const TRIPS = (rows: number, idBase: number, seed: number) => `
  SELECT
    (${idBase} + range)::BIGINT AS trip_id,
    TIMESTAMP '2026-11-01 00:00:00' + to_seconds(((range * 7919 + ${seed}) % 2592000)::BIGINT) AS pickup_at,
    1 + ((range * 31 + ${seed}) % 265)::INTEGER AS pickup_zone,
    1 + ((range * 17 + ${seed}) % 265)::INTEGER AS dropoff_zone,
    1 + (range % 4)::INTEGER AS passengers,
    round(0.5 + ((range * 13 + ${seed}) % 300) / 10.0, 2) AS distance_km,
    round(3.0 + ((range * 29 + ${seed}) % 7000) / 100.0, 2)::DECIMAL(10, 2) AS fare,
    ['card', 'cash', 'card', 'app'][1 + (range % 4)::INTEGER] AS payment_type
  FROM range(${rows})`;

/** Writes the demo's sample taxi-trip Parquet files under `dir` (a new pair each call). */
export async function generateTaxiData(dir: string, rows = 200_000): Promise<DemoData> {
  await fs.mkdir(dir, { recursive: true });
  const duck = await Duck.open({
    memoryLimitBytes: 500_000_000,
    threads: 2,
    tempDirectory: path.join(dir, '.tmp'),
    allowedDirectories: [dir],
  });
  const stamp = Date.now();
  const good = path.join(dir, `trips-${stamp}-good.parquet`);
  const bad = path.join(dir, `trips-${stamp}-bad.parquet`);
  const idBase = (stamp % 1_000_000) * 1_000_000;
  try {
    await duck.withConnection(async (c) => {
      await c.run(`COPY (${TRIPS(rows, idBase, 1)}) TO ${quoteString(good)} (FORMAT parquet)`);
      await c.run(
        `COPY (SELECT CASE WHEN range_id % 500 = 7 THEN NULL
                           WHEN range_id % 1000 = 3 THEN trip_id - 1 ELSE trip_id END AS trip_id,
                      pickup_at, pickup_zone, dropoff_zone, passengers, distance_km,
                      CASE WHEN range_id % 250 = 11 THEN -fare ELSE fare END AS fare, payment_type
               FROM (SELECT *, row_number() OVER () AS range_id FROM (${TRIPS(rows, idBase + rows, 2)})))
         TO ${quoteString(bad)} (FORMAT parquet)`,
      );
    });
  } finally {
    duck.close();
    await fs.rm(path.join(dir, '.tmp'), { recursive: true, force: true });
  }
  return { good, bad, goodRows: rows, badRows: rows };
}

/** The checks the demo applies to taxi.trips. */
export const DEMO_CHECKS = [
  { type: 'not_null', column: 'trip_id' },
  { type: 'unique', columns: ['trip_id'] },
  { type: 'range', column: 'fare', min: 0 },
  { type: 'accepted_values', column: 'payment_type', values: ['card', 'cash', 'app'] },
  { type: 'not_null', column: 'pickup_at' },
] as const;
