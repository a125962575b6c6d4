/** Backoff helpers shared by Bauplan's catalog and job clients. */

/** The longest wait a `Retry-After` header may ask for. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Exponential backoff with full jitter: a uniform wait in [0, base * 2^retry], capped at 30 s. */
export function backoffMs(retry: number, baseMs: number): number {
  return Math.random() * Math.min(MAX_RETRY_AFTER_MS, baseMs * 2 ** retry);
}

/**
 * The wait a `Retry-After` header asks for, in ms (delta-seconds or an HTTP date), capped at
 * 30 s; undefined when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (Number.isNaN(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
