import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3ObjectStore, downloadS3Objects, listS3Objects, type S3Timeouts } from '../../src/shared/sources/s3.js';

const TIMEOUTS: S3Timeouts = { connectMs: 1_000, responseMs: 500, silentSocketMs: 500 };

/**
 * An S3 endpoint that stalls: it accepts connections and then, per `behaviour`, says nothing at
 * all, or sends a response's headers and the first bytes of its body and then nothing more.
 */
async function stallingEndpoint(behaviour: 'silent' | 'body-stops'): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (behaviour === 'body-stops') {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\nETag: "e"\r\n\r\n');
        socket.write(Buffer.alloc(1024, 1));
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A stalled S3 must fail the request (STORAGE_UNAVAILABLE, which workers retry) instead of hanging a worker and its table. */
describe('S3 requests against an endpoint that stalls', () => {
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
  let staging: string;
  let endpoint: { url: string; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    process.env['AWS_ACCESS_KEY_ID'] = 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'test';
    staging = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-s3-stall-'));
  });
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });
  afterAll(async () => {
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await fs.rm(staging, { recursive: true, force: true });
  });

  it('a listing that gets no answer fails as STORAGE_UNAVAILABLE', async () => {
    endpoint = await stallingEndpoint('silent');
    const store = createS3ObjectStore({ region: 'us-east-1', forcePathStyle: true, endpoint: endpoint.url }, TIMEOUTS);
    const error = await listS3Objects('s3://landing/trips/*.parquet', store, ['s3://']).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(String((error as Error).message)).toContain('cannot list s3://landing/trips/*.parquet');
  }, 30_000);

  it('a download whose body stops half way fails as STORAGE_UNAVAILABLE', async () => {
    endpoint = await stallingEndpoint('body-stops');
    const store = createS3ObjectStore({ region: 'us-east-1', forcePathStyle: true, endpoint: endpoint.url }, TIMEOUTS);
    const object = { bucket: 'landing', key: 'trips/a.parquet', size: 1_048_576, etag: 'e' };
    const error = await downloadS3Objects([object], store, staging, () => undefined).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(String((error as Error).message)).toContain('cannot download s3://landing/trips/a.parquet');
  }, 30_000);
});
