/** The life of a run, as the ledger records it. */
export const RUN_STATUSES = [
  'queued',
  'writing',
  'written',
  'auditing',
  'audited',
  'publishing',
  'published',
  'audit_failed',
  'rejected',
  'failed',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['published', 'audit_failed', 'rejected', 'failed']);

export type Stage = 'write' | 'audit' | 'publish';

export interface StatusChange {
  readonly status: RunStatus;
  /** ISO-8601 time. */
  readonly at: string;
  readonly note?: string;
}

export interface RunError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly stage?: Stage;
}

export interface RunRecord {
  readonly runId: string;
  /** `namespace.table` */
  readonly table: string;
  /** The ingestion request as accepted. */
  readonly request: Readonly<Record<string, unknown>>;
  readonly status: RunStatus;
  readonly history: readonly StatusChange[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly branch?: string;
  /** `main` when the branch was made: publish requires main still to be here. */
  readonly baseCommit?: string;
  /** The branch head the write made (and the audit checked). */
  readonly writeCommit?: string;
  readonly publishedCommit?: string;
  readonly rows?: number;
  readonly bytes?: number;
  readonly files?: number;
  /** The audit report (JSON), or its summary. */
  readonly report?: Readonly<Record<string, unknown>>;
  readonly error?: RunError;
  readonly attempts: Readonly<Partial<Record<Stage, number>>>;
  /** The source files' fingerprints (uri|size|etag-or-mtime), taken at enqueue. */
  readonly fingerprints?: readonly string[];
  /** What a backend needs to resume long work after a crash (e.g. a remote job id). */
  readonly resume?: Readonly<Record<string, string>>;
}

export type RunPatch = Partial<Omit<RunRecord, 'runId' | 'table' | 'request' | 'history' | 'createdAt' | 'updatedAt' | 'status'>>;
