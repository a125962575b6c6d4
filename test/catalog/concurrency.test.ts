import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/shared/lakehouse/local/catalog/index.js';
import type { OpenCatalogOptions } from '../../src/shared/lakehouse/local/catalog/index.js';
import { allBackends } from './backends.js';
import type { WorkerOutput } from './fixtures/commit-and-merge.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');
const WORKER = join(HERE, 'fixtures', 'commit-and-merge.ts');
const PROCESSES = 4;
const ROUNDS = 40;

interface RunningWorker {
  ready: Promise<void>;
  go(): void;
  done: Promise<WorkerOutput>;
}

/** Starts one writer process; it waits for go() once it has opened the catalog. */
function startWorker(options: OpenCatalogOptions, worker: number): RunningWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ options, worker, rounds: ROUNDS })], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((res) => {
    markReady = res;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<WorkerOutput>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => {
      markReady();
      if (code !== 0) rej(new Error(`worker ${worker} exited with ${code}:\n${stderr}`));
      else res(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as WorkerOutput);
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}

describe.each(allBackends())('concurrent writers on $name', (backend) => {
  beforeAll(async () => backend.start());
  afterAll(async () => backend.stop());

  it(`${PROCESSES} processes committing and merging into main lose nothing`, async () => {
    const target = await backend.fresh();
    try {
      const workers = Array.from({ length: PROCESSES }, (_, i) => startWorker(target.options, i));
      await Promise.all(workers.map(async (w) => w.ready));
      for (const w of workers) w.go();
      const outputs = await Promise.all(workers.map(async (w) => w.done));

      const catalog = await openCatalog(target.options);
      try {
        const main = (await catalog.getRef('main'))!;
        const reachable = new Set((await catalog.log(main.commitId, 100_000)).map((c) => c.id));
        const expectedTables: Record<string, string> = {};
        for (const output of outputs) {
          expect(output.commits.filter((id) => !reachable.has(id))).toEqual([]);
          Object.assign(expectedTables, output.tables);
        }
        const pointers = await catalog.tablesAt(main.commitId);
        expect(Object.fromEntries(pointers.map((p) => [p.table, p.metadataLocation]))).toEqual(expectedTables);
        // Merges really interleaved: some of them had to be merge commits.
        expect(outputs.reduce((n, o) => n + o.merges.mergeCommits, 0)).toBeGreaterThan(0);

        const mirrored = await target.query<{ table_namespace: string; table_name: string; metadata_location: string }>(
          'SELECT table_namespace, table_name, metadata_location FROM iceberg_tables',
        );
        expect(Object.fromEntries(mirrored.map((r) => [`${r.table_namespace}.${r.table_name}`, r.metadata_location]))).toEqual(
          expectedTables,
        );
      } finally {
        await catalog.close();
      }
    } finally {
      await target.drop();
    }
  });
});
