import crypto from 'node:crypto';
import type { ListedFile } from '../sources/index.js';

/**
 * A run's id: from the idempotency key when given, else from the fingerprint of the resolved
 * source listing (each file's uri, size and etag or mtime) and the request's shape. The same
 * request for the same files gives the same id, so enqueueing twice makes one run.
 * BullMQ job ids may not contain ':' nor be all digits: ours are `r-` + 24 hex characters.
 */
export function deriveRunId(input: {
  table: string;
  mode: string;
  idempotencyKey?: string;
  files: readonly ListedFile[];
}): string {
  const hash = crypto.createHash('sha256');
  hash.update(`floodgate-run-v1\n${input.table}\n`);
  if (input.idempotencyKey !== undefined) {
    hash.update(`key\n${input.idempotencyKey}`);
  } else {
    hash.update(`files\n${input.mode}\n`);
    for (const file of [...input.files].sort((a, b) => a.uri.localeCompare(b.uri))) {
      hash.update(`${file.uri}\t${file.size}\t${file.version}\n`);
    }
  }
  return `r-${hash.digest('hex').slice(0, 24)}`;
}

/** The run's isolated branch. */
export function runBranch(table: string, runId: string): string {
  return `wap/${table}/${runId}`;
}
