import { createHash } from 'node:crypto';

/** Floodgate's own UUID namespace for name-based (v5) ids sent to Prefect. */
const NAMESPACE = Buffer.from('6f1f3c2a9b7d4e5f8a0c1d2e3f405162', 'hex');

/**
 * A UUID v5 (SHA-1, RFC 9562) of the parts under Floodgate's namespace: the same parts give the
 * same id in every process, so a resent event or state proposal is recognised by Prefect.
 */
export function stableUuid(...parts: readonly string[]): string {
  const digest = createHash('sha1').update(NAMESPACE).update(parts.join('\u0000')).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An artifact key Prefect accepts (`^[a-z0-9-]*$`), e.g. `wap-audit-<run id>`. */
export function artifactKey(prefix: string, runId: string): string {
  const clean = `${prefix}-${runId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  return clean.slice(0, 200);
}
