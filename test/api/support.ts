import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/shared/config/index.js';
import { QUEUE_NAMES } from '../../src/shared/jobs/index.js';
import type { Logger } from '../../src/shared/observability/ports.js';
import { FloodgateProducer } from '../../src/producers/library.js';
import { uniquePrefix } from '../support/redis.js';

/** A config on its own key prefix, with `dir` as the only allowed source root. */
export function apiConfig(redisUrl: string, dir: string): Config {
  return loadConfig(
    { REDIS_URL: redisUrl, FLOODGATE_REDIS_PREFIX: uniquePrefix(), FLOODGATE_SOURCE_ROOTS: dir, FLOODGATE_HOME: path.join(dir, '.floodgate') },
    { cwd: dir },
  );
}

export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'fg-api-'));
}

/** What reached the queue and the ledger under a config's prefix. */
export async function enqueued(redisUrl: string, config: Config): Promise<{ runs: number; jobs: number }> {
  const producer = new FloodgateProducer({ connection: redisUrl, prefix: config.fleet.prefix });
  const queue = new Queue(QUEUE_NAMES.write, { connection: { url: redisUrl }, prefix: config.fleet.prefix });
  try {
    const counts = await queue.getJobCounts();
    return { runs: (await producer.listRuns()).length, jobs: Object.values(counts).reduce((a, b) => a + b, 0) };
  } finally {
    await queue.close();
    await producer.close();
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A Logger that keeps every line. */
export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger & { lines: LogLine[] } = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** POSTs an ingestion request. */
export async function ingest(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/v1/ingestions', payload: body as Record<string, unknown>, headers });
}
