import type { Check } from '../../src/shared/audits/index.js';
import { sqlList } from '../lib/duck.js';

/** The table the suite audits. */
export const TABLE = 'bench.trips';

/** "Now" for the freshness check, so the dataset (January 2026) stays fresh. */
export const NOW = new Date('2026-02-05T00:00:00Z');

/** The 10 column checks: every kind the fused scan handles, all passing on the generated data. */
export const CHECKS: readonly Check[] = [
  { type: 'not_null', column: 'vendor' },
  { type: 'not_null', column: 'zone', maxNullPercent: 1 },
  { type: 'unique', column: 'trip_id' },
  { type: 'accepted_values', column: 'payment', values: ['card', 'cash', 'no_charge', 'dispute'] },
  { type: 'range', column: 'fare', min: 0, max: 500 },
  { type: 'range', column: 'passengers', min: 1, max: 8 },
  { type: 'pattern', column: 'code', regex: '^[A-Z]{3}-[0-9]{4}$' },
  { type: 'expression', expression: 'dropoff_at >= pickup_at' },
  { type: 'aggregate', column: 'fare', function: 'mean', min: 50, max: 150 },
  { type: 'freshness', column: 'pickup_at', maxAge: '30d' },
];

/**
 * The same numbers as one query written by hand, as someone would without Floodgate: straight
 * over the table's Parquet data files with @duckdb/node-api.
 */
export function handWrittenSql(files: readonly string[]): string {
  return `SELECT
  count(*) AS rows,
  count(*) FILTER (WHERE vendor IS NULL) AS vendor_nulls,
  count(*) FILTER (WHERE zone IS NULL) AS zone_nulls,
  count(trip_id) - count(DISTINCT trip_id) AS duplicate_trip_ids,
  count(*) FILTER (WHERE payment NOT IN ('card', 'cash', 'no_charge', 'dispute')) AS bad_payments,
  count(*) FILTER (WHERE fare < 0 OR fare > 500) AS fares_out_of_range,
  count(*) FILTER (WHERE passengers < 1 OR passengers > 8) AS passengers_out_of_range,
  count(*) FILTER (WHERE NOT regexp_matches(code, '^[A-Z]{3}-[0-9]{4}$')) AS bad_codes,
  count(*) FILTER (WHERE dropoff_at < pickup_at) AS dropoff_before_pickup,
  avg(fare) AS mean_fare,
  max(pickup_at) AS latest_pickup
FROM read_parquet(${sqlList(files)})`;
}

/** The hand-written query's numbers, in check order, for comparison with the report's. */
export function rawObserved(row: Record<string, unknown>): unknown[] {
  const n = (key: string) => Number(row[key]);
  return [
    n('vendor_nulls'),
    (n('zone_nulls') / n('rows')) * 100,
    n('duplicate_trip_ids'),
    n('bad_payments'),
    n('fares_out_of_range'),
    n('passengers_out_of_range'),
    n('bad_codes'),
    n('dropoff_before_pickup'),
    n('mean_fare'),
    String(row['latest_pickup']),
  ];
}
