import { FloodgateError } from '../../shared/errors/index.js';
import { buildApi } from './app.js';
import type { RunningApi, StartApiOptions } from './options.js';

/** Builds the API and listens (default 127.0.0.1:8080). */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const app = buildApi(options);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  let url: string;
  try {
    url = await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw new FloodgateError('CONFIG_INVALID', `cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => (closing ??= app.close().then(() => undefined)),
  };
}
