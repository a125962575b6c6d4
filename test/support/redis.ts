import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/shared/redis/embedded.js';

export interface TestRedis extends EmbeddedRedis {
  /** A new client; closed by stop(). */
  client(): Redis;
}

/** A real redis-server from Debian on a free loopback port, in a temp dir. */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-redis-'));
  const server = await startEmbeddedRedis({ dir });
  const clients: Redis[] = [];
  return {
    url: server.url,
    client: () => {
      const client = new Redis(server.url, { maxRetriesPerRequest: null });
      clients.push(client);
      return client;
    },
    stop: async () => {
      await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

let prefixes = 0;
/** A key prefix of its own for each test, hash-tagged like production's. */
export function uniquePrefix(): string {
  return `{t${process.pid}x${++prefixes}}`;
}
