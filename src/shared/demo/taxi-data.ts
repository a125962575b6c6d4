import fs from 'node:fs/promises';
import path from 'node:path';
import { Duck } from '../lakehouse/local/engine/duck.js';
import { quoteString } from '../lakehouse/local/engine/types.js';

export interface DemoData {
  /** A clean batch of taxi trips. */
  readonly good: string;
  /** A batch with negative fares, null pickup times and an unknown payment type. */
  readonly bad: string;
  readonly goodRows: number;
  readonly badRows: number;
}

const TRIPS = (rows: number, seed: number) => `
  SELECT
    ${seed} * 10000000 + range AS trip_id,
    TIMESTAMP '2026-11-01 00:00:00' + to_seconds(range * 37 % 2592000) AS pickup_at,
    1 + (range * 7 % 265)::INTEGER AS pickup_zone,
    1 + (range * 11 % 265)::INTEGER AS dropoff_zone,
    1 + (range % 4)::INTEGER AS passengers,
    round(0.5 + (range * 13 % 200) / 10.0, 2) AS distance_km,
    round(3.0 + (range * 17 % 6000) / 100.0, 2)::DECIMAL(10, 2) AS fare,
    ['card', 'cash', 'card', 'app'][1 + (range % 4)] AS payment_type
  FROM range(${rows})`;

/** Writes the demo's sample taxi-trip Parquet files under `dir`. */
export async function generateTaxiData(dir: string, rows = 50_000): Promise<DemoData> {
  await fs.mkdir(dir, { recursive: true });
  const duck = await Duck.open({
    memoryLimitBytes: 500_000_000,
    threads: 2,
    tempDirectory: path.join(dir, '.tmp'),
    allowedDirectories: [dir],
  });
  const good = path.join(dir, 'trips-good.parquet');
  const bad = path.join(dir, 'trips-bad.parquet');
  const badRows = Math.max(100, Math.floor(rows / 10));
  try {
    await duck.withConnection(async (c) => {
      await c.run(`COPY (${TRIPS(rows, 1)}) TO ${quoteString(good)} (FORMAT parquet)`);
      await c.run(
        `COPY (SELECT trip_id,
                 CASE WHEN trip_id % 50 = 0 THEN NULL ELSE pickup_at END AS pickup_at,
                 pickup_zone, dropoff_zone, passengers, distance_km,
                 CASE WHEN trip_id % 20 = 0 THEN -fare ELSE fare END AS fare,
                 CASE WHEN trip_id % 33 = 0 THEN 'crypto' ELSE payment_type END AS payment_type
               FROM (${TRIPS(badRows, 2)})) TO ${quoteString(bad)} (FORMAT parquet)`,
      );
    });
  } finally {
    duck.close();
    await fs.rm(path.join(dir, '.tmp'), { recursive: true, force: true });
  }
  return { good, bad, goodRows: rows, badRows };
}
