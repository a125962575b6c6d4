import fs from 'node:fs/promises';
import path from 'node:path';
import { sqlString, type RawDuck } from '../lib/duck.js';
import { fileSizes } from '../lib/files.js';
import { progress } from '../lib/log.js';

/** Bump when the generator changes so cached datasets are rebuilt. */
const GENERATOR_VERSION = 1;

export interface AuditDataset {
  readonly dir: string;
  readonly files: readonly string[];
  readonly rows: number;
  readonly bytes: number;
}

/**
 * Trips ids `first .. first + rows - 1`, deterministic (hash-based), shaped so that every
 * benchmark check passes: the timed work is the scan, not sample queries. 0.5% of zones are
 * NULL, under the not_null check's 1% allowance.
 */
function tripsSql(first: number, rows: number): string {
  return `
SELECT
  i::BIGINT AS trip_id,
  ['CMT', 'VTS', 'DDS'][1 + (i % 3)] AS vendor,
  CASE WHEN i % 200 = 0 THEN NULL ELSE 'zone-' || (hash(i) % 263) END AS zone,
  ['card', 'cash', 'no_charge', 'dispute'][1 + (hash(i + 1) % 4)::INTEGER] AS payment,
  CAST(1 + hash(i + 2) % 6 AS INTEGER) AS passengers,
  round((hash(i + 3) % 20000) / 100.0, 2)::DOUBLE AS fare,
  round((hash(i + 4) % 500) / 100.0, 2)::DOUBLE AS tip,
  chr(65 + (i % 26)::INTEGER) || chr(65 + ((i // 26) % 26)::INTEGER) || chr(65 + ((i // 676) % 26)::INTEGER)
    || '-' || lpad(((i * 7) % 10000)::VARCHAR, 4, '0') AS code,
  TIMESTAMP '2026-01-01 00:00:00' + to_seconds((i % 2592000)::BIGINT) AS pickup_at,
  TIMESTAMP '2026-01-01 00:00:00' + to_seconds((i % 2592000 + 60 + hash(i + 5) % 3600)::BIGINT) AS dropoff_at
FROM range(${first}, ${first + rows}) t(i)`;
}

interface Manifest {
  readonly version: number;
  readonly files: readonly string[];
  readonly rows: number;
  readonly bytes: number;
}

async function cached(dir: string): Promise<AuditDataset | undefined> {
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'dataset.json'), 'utf8')) as Manifest;
    if (manifest.version !== GENERATOR_VERSION) return undefined;
    const files = manifest.files.map((f) => path.join(dir, f));
    if ((await fileSizes(files)) !== manifest.bytes) return undefined;
    return { dir, files, rows: manifest.rows, bytes: manifest.bytes };
  } catch {
    return undefined;
  }
}

/** `rows` trips in `files` Parquet files under `dataDir`, generated once and cached. */
export async function auditDataset(duck: RawDuck, dataDir: string, rows: number, files: number): Promise<AuditDataset> {
  const dir = path.join(dataDir, `audit-trips-${files}x${Math.ceil(rows / files)}`);
  const hit = await cached(dir);
  if (hit !== undefined) return hit;
  progress(`generating ${rows} audit trips in ${files} files in ${dir}`);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const perFile = Math.ceil(rows / files);
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const file = path.join(dir, `trips-${String(i).padStart(3, '0')}.parquet`);
    const count = Math.min(perFile, rows - i * perFile);
    await duck.connection.run(`COPY (${tripsSql(i * perFile, count)}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
    paths.push(file);
  }
  const bytes = await fileSizes(paths);
  const manifest: Manifest = { version: GENERATOR_VERSION, files: paths.map((p) => path.basename(p)), rows, bytes };
  await fs.writeFile(path.join(dir, 'dataset.json'), JSON.stringify(manifest, null, 2));
  return { dir, files: paths, rows, bytes };
}
