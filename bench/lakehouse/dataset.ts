import fs from 'node:fs/promises';
import path from 'node:path';
import { sqlString, type RawDuck } from '../lib/duck.js';
import { fileSizes } from '../lib/files.js';
import { progress } from '../lib/log.js';

/** Bump when the generator changes so cached datasets are rebuilt. */
const GENERATOR_VERSION = 1;

export interface Dataset {
  readonly dir: string;
  readonly files: readonly string[];
  readonly rows: number;
  readonly bytes: number;
}

/**
 * A SELECT producing `rows` taxi-like trips (NYC TLC yellow-cab shaped: 15 columns of ints,
 * doubles, timestamps and low-cardinality strings) with trip ids from `firstId`.
 */
export function taxiSql(firstId: number, rows: number): string {
  return `
WITH base AS (
  SELECT ${firstId} + i AS trip_id,
         TIMESTAMP '2024-01-01 00:00:00' + to_seconds(CAST(floor(random() * 31536000) AS BIGINT)) AS pickup_at,
         round(-ln(1 - random()) * 4.5 + 0.3, 2) AS distance_km,
         random() AS u
    FROM range(${rows}) t(i)
), priced AS (
  SELECT *, round(3.0 + distance_km * 1.75 + random() * 2, 2) AS fare FROM base
)
SELECT
  CAST(trip_id AS BIGINT) AS trip_id,
  CAST(1 + floor(random() * 3) AS INTEGER) AS vendor_id,
  pickup_at,
  pickup_at + to_seconds(CAST(120 + distance_km * 150 + floor(random() * 600) AS BIGINT)) AS dropoff_at,
  CAST(CASE WHEN random() < 0.7 THEN 1 ELSE 1 + floor(random() * 6) END AS INTEGER) AS passenger_count,
  distance_km,
  CAST(1 + floor(random() * 265) AS INTEGER) AS pickup_zone,
  CAST(1 + floor(random() * 265) AS INTEGER) AS dropoff_zone,
  CAST(CASE WHEN random() < 0.95 THEN 1 ELSE 2 + floor(random() * 5) END AS INTEGER) AS rate_code,
  CASE WHEN random() < 0.99 THEN 'N' ELSE 'Y' END AS store_and_fwd,
  CASE WHEN u < 0.70 THEN 'card' WHEN u < 0.95 THEN 'cash' WHEN u < 0.97 THEN 'no_charge'
       WHEN u < 0.99 THEN 'dispute' ELSE 'unknown' END AS payment_type,
  fare,
  CASE WHEN u < 0.70 THEN round(random() * 0.25 * fare, 2) ELSE 0.0 END AS tip,
  CASE WHEN random() < 0.08 THEN 6.94 ELSE 0.0 END AS tolls,
  round(fare * 1.15 + 1.0, 2) AS total
FROM priced`;
}

export async function writeTaxiFile(duck: RawDuck, file: string, firstId: number, rows: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await duck.connection.run(`COPY (${taxiSql(firstId, rows)}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
}

interface Manifest {
  readonly version: number;
  readonly key: string;
  readonly files: readonly string[];
  readonly rows: number;
  readonly bytes: number;
}

async function cached(dir: string, key: string): Promise<Dataset | undefined> {
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'dataset.json'), 'utf8')) as Manifest;
    if (manifest.version !== GENERATOR_VERSION || manifest.key !== key) return undefined;
    const files = manifest.files.map((f) => path.join(dir, f));
    if ((await fileSizes(files)) !== manifest.bytes) return undefined;
    return { dir, files, rows: manifest.rows, bytes: manifest.bytes };
  } catch {
    return undefined;
  }
}

async function generate(duck: RawDuck, dir: string, key: string, files: number, rowsPerFile: number): Promise<Dataset> {
  await fs.rm(dir, { recursive: true, force: true });
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const file = path.join(dir, `trips-${String(i).padStart(3, '0')}.parquet`);
    await writeTaxiFile(duck, file, i * rowsPerFile, rowsPerFile);
    paths.push(file);
    if ((i + 1) % 10 === 0) progress(`  generated ${i + 1}/${files} files in ${dir}`);
  }
  const bytes = await fileSizes(paths);
  const manifest: Manifest = { version: GENERATOR_VERSION, key, files: paths.map((p) => path.basename(p)), rows: files * rowsPerFile, bytes };
  await fs.writeFile(path.join(dir, 'dataset.json'), JSON.stringify(manifest, null, 2));
  return { dir, files: paths, rows: manifest.rows, bytes };
}

/** `files` taxi files of `rowsPerFile` rows each under `dataDir`, generated once and cached. */
export async function taxiDataset(duck: RawDuck, dataDir: string, files: number, rowsPerFile: number): Promise<Dataset> {
  const key = `${files}x${rowsPerFile}`;
  const dir = path.join(dataDir, `taxi-${key}`);
  const hit = await cached(dir, key);
  if (hit !== undefined) return hit;
  progress(`generating taxi dataset ${key} in ${dir}`);
  return generate(duck, dir, key, files, rowsPerFile);
}

/** About `targetBytes` of taxi Parquet in `files` files, generated once and cached (rows per file calibrated on a sample). */
export async function sizedTaxiDataset(duck: RawDuck, dataDir: string, targetBytes: number, files: number): Promise<Dataset> {
  const key = `${(targetBytes / 1e9).toFixed(2)}GB-${files}`;
  const dir = path.join(dataDir, `taxi-${key}`);
  const hit = await cached(dir, key);
  if (hit !== undefined) return hit;
  const sample = path.join(dataDir, 'calibration.parquet');
  const sampleRows = 1_000_000;
  await writeTaxiFile(duck, sample, 0, sampleRows);
  const bytesPerRow = (await fs.stat(sample)).size / sampleRows;
  await fs.rm(sample);
  const rowsPerFile = Math.max(1, Math.round(targetBytes / files / bytesPerRow));
  progress(`generating ~${(targetBytes / 1e9).toFixed(2)} GB taxi dataset (${files} × ${rowsPerFile} rows, ${bytesPerRow.toFixed(1)} B/row) in ${dir}`);
  return generate(duck, dir, key, files, rowsPerFile);
}

/** A small taxi file (not cached: it is cheap). */
export async function smallTaxiFile(duck: RawDuck, file: string, rows: number, firstId = 0): Promise<string> {
  await writeTaxiFile(duck, file, firstId, rows);
  return file;
}
