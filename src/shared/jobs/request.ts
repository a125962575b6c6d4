import { z } from 'zod';
import { checkSchema, distinctNames } from '../audits/index.js';

const TABLE = /^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/;

/** What producers accept: "ingest these files into that table", version 1. */
export const ingestionRequestSchema = z
  .object({
    version: z.literal(1).default(1).describe('request format version'),
    table: z.string().regex(TABLE, 'expected <namespace>.<table> in lower-case letters, digits and _').describe('target table'),
    source: z.string().min(1).max(4096).describe('a path or glob (plain or file://), or s3://bucket/prefix/*.parquet'),
    format: z.enum(['parquet', 'csv', 'jsonl']).optional().describe('inferred from the file extension when absent'),
    mode: z.enum(['append', 'replace']).default('append'),
    checks: z
      .array(checkSchema)
      .max(200)
      .default([])
      // So a request with two checks of one name is refused before it is enqueued.
      .superRefine(distinctNames)
      .describe("audit checks, added to the table contract's"),
    onAuditFailure: z.enum(['keep', 'delete']).default('keep').describe('keep the branch as a quarantine, or delete it'),
    idempotencyKey: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'use 1-200 characters: letters, digits, _ . : -')
      .optional()
      .describe('the same key for the same table gives the same run'),
    labels: z
      .record(z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/, 'label names: lower-case letters, digits, _ . -'), z.string().max(256))
      .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels')
      .optional(),
  })
  .strict();

export type IngestionRequest = z.output<typeof ingestionRequestSchema>;
export type IngestionRequestInput = z.input<typeof ingestionRequestSchema>;

/** The request format as JSON Schema, for services in other languages. */
export function ingestionRequestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ingestionRequestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
