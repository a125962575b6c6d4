import { z } from 'zod';

/**
 * Zod schemas for the JSON that Bauplan's REST catalog (`/catalog/v0`) sends back, and the
 * plain records the client turns it into. Unknown extra fields are tolerated (and dropped).
 */

/** A ref as Bauplan reports it: a branch or tag head, or a bare commit. */
export const catalogRefSchema = z.object({
  type: z.enum(['BRANCH', 'TAG', 'DETACHED']),
  name: z.string().optional(),
  hash: z.string(),
});

export type CatalogRef = z.infer<typeof catalogRefSchema>;

/** The success envelope; `data` is checked separately by the caller's own schema. */
export const envelopeSchema = z.object({
  data: z.unknown(),
  ref: catalogRefSchema.nullish(),
  metadata: z.object({ pagination_token: z.string().nullish() }).nullish(),
});

/** The error envelope, sent with a non-2xx status. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    type: z.string(),
    message: z.string().nullish(),
    context: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export type RemoteError = z.infer<typeof errorEnvelopeSchema>['error'];

/** A branch or a tag: a name and the commit it points at. */
export const namedRefSchema = z.object({ name: z.string(), hash: z.string() });

export type BranchRecord = z.infer<typeof namedRefSchema>;
export type TagRecord = z.infer<typeof namedRefSchema>;

const actorSchema = z.object({ name: z.string(), email: z.string().nullish() });

export const commitSchema = z.object({
  ref: catalogRefSchema,
  message: z.string().nullish(),
  authors: z.array(actorSchema),
  authored_date: z.string(),
  committer: actorSchema,
  committed_date: z.string().nullish(),
  parent_ref: catalogRefSchema.nullish(),
  parent_hashes: z.array(z.string()),
  properties: z.record(z.string(), z.string()).nullish(),
});

/** One commit, newest first in `CatalogClient.commits`. */
export interface CommitRecord {
  hash: string;
  message: string | null;
  author: string;
  /** ISO-8601, as Bauplan sent it. */
  authoredAt: string;
  parentHashes: string[];
  properties: Record<string, string>;
}

export function toCommitRecord(commit: z.infer<typeof commitSchema>): CommitRecord {
  return {
    hash: commit.ref.hash,
    message: commit.message ?? null,
    author: commit.authors[0]?.name ?? commit.committer.name,
    authoredAt: commit.authored_date,
    parentHashes: commit.parent_hashes,
    properties: commit.properties ?? {},
  };
}

const fieldSchema = z.object({ id: z.number(), name: z.string(), required: z.boolean(), type: z.string() });

export type TableField = z.infer<typeof fieldSchema>;

/** int64 ids arrive as JSON numbers; `parseCatalogJson` turns them into strings first. */
const int64Schema = z.union([z.string(), z.number()]).transform(String);

export const tableSchema = z.object({
  id: z.string(),
  name: z.string(),
  namespace: z.string(),
  kind: z.string().nullish(),
  records: z.number().nullish(),
  size: z.number().nullish(),
  last_updated_ms: z.number().nullish(),
  last_updated_at: z.union([z.number(), z.string()]).nullish(),
  fields: z.array(fieldSchema),
  metadata_location: z.string(),
  current_snapshot_id: int64Schema.nullish(),
});

/** A table at one ref. `snapshotId` is a decimal string: Iceberg snapshot ids exceed 2^53. */
export interface TableRecord {
  namespace: string;
  name: string;
  records: number | null;
  size: number | null;
  fields: TableField[];
  metadataLocation: string;
  snapshotId: string | null;
}

export function toTableRecord(table: z.infer<typeof tableSchema>): TableRecord {
  return {
    namespace: table.namespace,
    name: table.name,
    records: table.records ?? null,
    size: table.size ?? null,
    fields: table.fields,
    metadataLocation: table.metadata_location,
    snapshotId: table.current_snapshot_id ?? null,
  };
}

export const namespaceSchema = z.object({ name: z.string() });

const INT64_KEYS = /"(current_snapshot_id|snapshot_id|parent_snapshot_id)"(\s*:\s*)(-?\d+)/g;

/**
 * JSON.parse that keeps int64 snapshot ids exact by quoting them before parsing. The pattern
 * cannot match inside a JSON string, where quotes are escaped.
 */
export function parseCatalogJson(text: string): unknown {
  return JSON.parse(text.replace(INT64_KEYS, '"$1"$2"$3"'));
}
