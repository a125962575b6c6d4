import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../audits/duration.js';
import { FloodgateError } from '../errors/index.js';

/**
 * Floodgate's configuration: parsed once from the environment with zod, frozen, and passed
 * down. Nothing else in src/ reads process.env.
 */

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `134217728`, `128MB`, `1.5GiB` → bytes. */
export function parseByteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  if (!match || unit === undefined) throw new Error(`not a byte size: ${value} (use e.g. 128MB)`);
  return Math.round(Number(match[1]) * unit);
}

const byteSize = z.string().transform((value, ctx) => {
  try {
    return parseByteSize(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** `7d`, `36h`, `1d12h`; `off` (or `0`) gives null: never. */
const durationOrOff = z.string().transform((value, ctx) => {
  const text = value.trim();
  if (text === 'off' || text === '0') return null;
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}, or off` });
    return z.NEVER;
  }
});

/** A duration, or 0; not `off` (where "off" would mean no limit at all, say so with 0). */
const durationOrZero = z.string().transform((value, ctx) => {
  const text = value.trim();
  if (text === '0') return 0;
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}, or 0` });
    return z.NEVER;
  }
});

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);

const envSchema = z.object({
  FLOODGATE_HOME: z.string().min(1).default('.floodgate'),
  FLOODGATE_CATALOG_URL: z
    .string()
    .regex(/^(postgres|postgresql|sqlite):\/\//, 'expected postgres://..., postgresql://... or sqlite://<path>')
    .refine((value) => URL.canParse(value), 'not a valid URL (check the port and any special characters in the password, which must be %-encoded)')
    .optional(),
  FLOODGATE_CATALOG_NAME: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('floodgate'),
  FLOODGATE_WAREHOUSE: z
    .string()
    .min(1)
    .refine((value) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('file://'), 'the warehouse is a local folder (a path); object storage warehouses (s3://) are not supported')
    .optional(),
  FLOODGATE_SOURCE_ROOTS: list.optional(),
  FLOODGATE_S3_ENDPOINT: z.url().optional(),
  FLOODGATE_S3_REGION: z.string().min(1).default('us-east-1'),
  FLOODGATE_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  FLOODGATE_TARGET_FILE_SIZE: byteSize.default(128_000_000),
  FLOODGATE_DUCKDB_MEMORY_LIMIT: byteSize.default(1_000_000_000),
  FLOODGATE_DUCKDB_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  FLOODGATE_AUTHOR: z.string().min(1).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected redis://[user:password@]host:port[/db] or rediss:// for TLS').optional(),
  FLOODGATE_REDIS_PREFIX: z
    .string()
    .regex(/^\{?[A-Za-z0-9_.-]{1,64}\}?$/, 'letters, digits, _ . - (wrap in {} for a Redis Cluster hash tag)')
    .default('{floodgate}'),
  FLOODGATE_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  FLOODGATE_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(2000),
  FLOODGATE_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(5000),
  FLOODGATE_LEASE_TTL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  FLOODGATE_PARK_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  FLOODGATE_RETENTION_DAYS: z.coerce.number().min(0.001).max(3650).default(7),
  FLOODGATE_CONTRACTS: z.string().min(1).optional(),
  FLOODGATE_STUCK_AFTER_MS: z.coerce.number().int().min(1000).default(30 * 60_000),
  FLOODGATE_QUARANTINE_DAYS: z.coerce.number().min(0).max(3650).default(7),
  FLOODGATE_JANITOR_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  FLOODGATE_HISTORY_COMPACT_FILES: z.coerce.number().int().refine((n) => n === 0 || n >= 2, 'must be 0 (never) or at least 2').default(32),
  FLOODGATE_SNAPSHOT_RETENTION: durationOrOff.default(7 * 86_400_000),
  FLOODGATE_ORPHAN_MIN_AGE: durationOrZero.default(3 * 86_400_000),
  FLOODGATE_ORPHAN_SWEEP_INTERVAL: durationOrOff.default(3_600_000),
  FLOODGATE_COMPACT_FILES: z.coerce.number().int().refine((n) => n === 0 || n >= 2, 'must be 0 (never) or at least 2').default(64),
  FLOODGATE_API_TOKEN: z
    .string()
    .min(16, 'use at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'use printable ASCII without spaces (it is sent as "Authorization: Bearer <token>")')
    .optional(),
  FLOODGATE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  FLOODGATE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  FLOODGATE_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  FLOODGATE_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  PREFECT_API_URL: z
    .url()
    .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url), 'must not carry credentials (user:password@): set PREFECT_API_AUTH_STRING or PREFECT_API_KEY instead')
    .optional(),
  PREFECT_API_KEY: z.string().min(1).optional(),
  PREFECT_API_AUTH_STRING: z.string().regex(/^[^:]+:.+$/, 'expected user:password').optional(),
  FLOODGATE_API_HOST: z.string().min(1).default('127.0.0.1'),
  FLOODGATE_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  USER: z.string().optional(),
  HOME: z.string().optional(),
  FLOODGATE_TARGET_BRANCH: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$/, 'a branch name').default('main'),
  FLOODGATE_LAKEHOUSE: z.enum(['local', 'bauplan']).default('local'),
  BAUPLAN_API_KEY: z.string().min(1).optional(),
  BAUPLAN_PROFILE: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . -').default('default'),
  BAUPLAN_API_ENDPOINT: z.url().optional(),
  BAUPLAN_CONFIG_FILE: z.string().min(1).optional(),
  FLOODGATE_BAUPLAN_GRPC_ENDPOINT: z
    .string()
    .regex(/^(grpcs?:\/\/)?[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, grpc://host:port (plaintext) or grpcs://host:port (TLS)')
    .optional(),
  FLOODGATE_BAUPLAN_STAGING: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,62}(\/.*)?$/, 'expected s3://bucket[/prefix]').optional(),
  FLOODGATE_BAUPLAN_JOB_TIMEOUT_MS: z.coerce.number().int().min(1000).max(86_400_000).default(30 * 60_000),
});

export interface S3Config {
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
}

/** Settings of the hosted backend; credentials are resolved when it is opened (src/shared/lakehouse/bauplan/credentials.ts). */
export interface BauplanSettings {
  /** `BAUPLAN_API_KEY`; a secret, never logged. When absent, the profile's `api_key` is used. */
  readonly apiKey?: string;
  readonly profile: string;
  /** `BAUPLAN_API_ENDPOINT`, else the profile's `api_endpoint`, else Bauplan's public endpoint. */
  readonly endpoint?: string;
  /** The profiles file: `BAUPLAN_CONFIG_FILE`, default `~/.bauplan/config.yaml`. */
  readonly configFile: string;
  /** The job service (gRPC); defaults to the API endpoint's host on port 443 over TLS. */
  readonly grpcEndpoint?: string;
  /** Where local files are uploaded before Bauplan imports them (`s3://bucket/prefix`). */
  readonly stagingUri?: string;
  readonly jobTimeoutMs: number;
}

export interface LakehouseConfig {
  /** Which backend `openLakehouse` opens: the embedded one or Bauplan. */
  readonly backend: 'local' | 'bauplan';
  readonly bauplan: BauplanSettings;
  /** Absolute path of Floodgate's home folder (catalog, warehouse, staging). */
  readonly home: string;
  /** PostgreSQL URL; SQLite at `<home>/catalog.db` when absent. */
  readonly catalogUrl?: string;
  readonly catalogName: string;
  /** Absolute path of the folder that holds table data and metadata. */
  readonly warehouse: string;
  /** Where sources may come from: absolute folders and `s3://bucket[/prefix]` roots (`s3://` = any bucket). */
  readonly sourceRoots: readonly string[];
  readonly s3: S3Config;
  readonly targetFileSizeBytes: number;
  readonly duckdbMemoryLimitBytes: number;
  readonly duckdbThreads: number;
  readonly author: string;
}

export interface FleetSettings {
  /** Absent: `floodgate demo` starts a private redis-server; other commands need it. */
  readonly redisUrl?: string;
  readonly prefix: string;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly lockDurationMs: number;
  readonly leaseTtlMs: number;
  readonly parkMs: number;
  readonly retentionSeconds: number;
  /** Table contracts file (floodgate.yaml), if any. */
  readonly contractsFile?: string;
  /** A run idle this long with no job left is failed by the janitor. */
  readonly stuckAfterMs: number;
  /** How long quarantine branches of audit_failed runs are kept. */
  readonly quarantineMs: number;
  /** How often each worker process offers to run the janitor (0: never). */
  readonly janitorIntervalMs: number;
  /** The janitor compacts an audit-history table once it has this many data files (0: never). */
  readonly historyCompactFiles: number;
  /**
   * A publish that leaves its table with this many data files under half the target file size
   * rewrites them, still holding the table (0: never).
   */
  readonly compactFiles: number;
  /**
   * History kept readable: publishes drop their table's snapshots older than this, and the janitor
   * those of the audit history, then deletes files no commit within it needs (null: keep all history).
   */
  readonly snapshotRetentionMs: number | null;
  /** Unreferenced warehouse files younger than this are never deleted (writes in flight). */
  readonly orphanMinAgeMs: number;
  /** How often the janitor sweeps the warehouse for unreferenced files (null: never). */
  readonly orphanSweepIntervalMs: number | null;
  /** The branch runs are branched from and published into (default `main`). */
  readonly targetBranch: string;
}

export interface ApiSettings {
  /** When set, the HTTP API requires `Authorization: Bearer <token>`. Never logged. */
  readonly token?: string;
  readonly host: string;
  readonly port: number;
}

export interface ObservabilitySettings {
  /** Where worker processes serve /metrics, /healthz and /readyz. */
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly logLevel: string;
  /** `auto`: pretty on a terminal, JSON lines otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** Prefect is on when its API URL is set (a server's `.../api`, or a Cloud workspace URL). */
  readonly prefect?: { readonly apiUrl: string; readonly apiKey?: string; readonly authString?: string };
}

export interface Config {
  readonly lakehouse: LakehouseConfig;
  readonly fleet: FleetSettings;
  readonly api: ApiSettings;
  readonly observability: ObservabilitySettings;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** Overrides applied after the environment, e.g. from CLI flags. */
  overrides?: { home?: string };
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new FloodgateError('CONFIG_INVALID', `invalid configuration: ${issues.join('; ')}`, { details: { issues } });
  }
  const e = parsed.data;
  const home = path.resolve(cwd, options.overrides?.home ?? e.FLOODGATE_HOME);
  const roots = (e.FLOODGATE_SOURCE_ROOTS ?? [cwd, 's3://']).map((root) =>
    root.startsWith('s3://') ? root : path.resolve(cwd, root.replace(/^file:\/\//, '')),
  );
  const bauplan: BauplanSettings = {
    ...(e.BAUPLAN_API_KEY === undefined ? {} : { apiKey: e.BAUPLAN_API_KEY }),
    profile: e.BAUPLAN_PROFILE,
    ...(e.BAUPLAN_API_ENDPOINT === undefined ? {} : { endpoint: e.BAUPLAN_API_ENDPOINT }),
    configFile: path.resolve(cwd, e.BAUPLAN_CONFIG_FILE ?? path.join(e.HOME ?? os.homedir(), '.bauplan', 'config.yaml')),
    ...(e.FLOODGATE_BAUPLAN_GRPC_ENDPOINT === undefined ? {} : { grpcEndpoint: e.FLOODGATE_BAUPLAN_GRPC_ENDPOINT }),
    ...(e.FLOODGATE_BAUPLAN_STAGING === undefined ? {} : { stagingUri: e.FLOODGATE_BAUPLAN_STAGING }),
    jobTimeoutMs: e.FLOODGATE_BAUPLAN_JOB_TIMEOUT_MS,
  };
  const lakehouse: LakehouseConfig = {
    backend: e.FLOODGATE_LAKEHOUSE,
    bauplan: Object.freeze(bauplan),
    home,
    ...(e.FLOODGATE_CATALOG_URL === undefined ? {} : { catalogUrl: e.FLOODGATE_CATALOG_URL }),
    catalogName: e.FLOODGATE_CATALOG_NAME,
    warehouse: path.resolve(home, e.FLOODGATE_WAREHOUSE ?? 'warehouse'),
    sourceRoots: roots,
    s3: {
      ...(e.FLOODGATE_S3_ENDPOINT === undefined ? {} : { endpoint: e.FLOODGATE_S3_ENDPOINT }),
      region: e.FLOODGATE_S3_REGION,
      forcePathStyle: (e.FLOODGATE_S3_FORCE_PATH_STYLE ?? String(e.FLOODGATE_S3_ENDPOINT !== undefined)) === 'true',
    },
    targetFileSizeBytes: e.FLOODGATE_TARGET_FILE_SIZE,
    duckdbMemoryLimitBytes: e.FLOODGATE_DUCKDB_MEMORY_LIMIT,
    duckdbThreads: e.FLOODGATE_DUCKDB_THREADS ?? Math.max(1, os.availableParallelism()),
    author: e.FLOODGATE_AUTHOR ?? `${e.USER ?? 'floodgate'}@${os.hostname()}`,
  };
  const fleet: FleetSettings = {
    ...(e.REDIS_URL === undefined ? {} : { redisUrl: e.REDIS_URL }),
    prefix: e.FLOODGATE_REDIS_PREFIX,
    attempts: e.FLOODGATE_ATTEMPTS,
    backoffMs: e.FLOODGATE_BACKOFF_MS,
    lockDurationMs: e.FLOODGATE_JOB_LOCK_MS,
    leaseTtlMs: e.FLOODGATE_LEASE_TTL_MS,
    parkMs: e.FLOODGATE_PARK_MS,
    retentionSeconds: Math.round(e.FLOODGATE_RETENTION_DAYS * 86_400),
    ...(e.FLOODGATE_CONTRACTS === undefined ? {} : { contractsFile: path.resolve(cwd, e.FLOODGATE_CONTRACTS) }),
    stuckAfterMs: e.FLOODGATE_STUCK_AFTER_MS,
    quarantineMs: Math.round(e.FLOODGATE_QUARANTINE_DAYS * 86_400_000),
    janitorIntervalMs: e.FLOODGATE_JANITOR_INTERVAL_MS,
    historyCompactFiles: e.FLOODGATE_HISTORY_COMPACT_FILES,
    compactFiles: e.FLOODGATE_COMPACT_FILES,
    snapshotRetentionMs: e.FLOODGATE_SNAPSHOT_RETENTION,
    orphanMinAgeMs: e.FLOODGATE_ORPHAN_MIN_AGE,
    orphanSweepIntervalMs: e.FLOODGATE_ORPHAN_SWEEP_INTERVAL,
    targetBranch: e.FLOODGATE_TARGET_BRANCH,
  };
  const api: ApiSettings = {
    ...(e.FLOODGATE_API_TOKEN === undefined ? {} : { token: e.FLOODGATE_API_TOKEN }),
    host: e.FLOODGATE_API_HOST,
    port: e.FLOODGATE_API_PORT,
  };
  const observability: ObservabilitySettings = {
    metricsHost: e.FLOODGATE_METRICS_HOST,
    metricsPort: e.FLOODGATE_METRICS_PORT,
    logLevel: e.FLOODGATE_LOG_LEVEL,
    logFormat: e.FLOODGATE_LOG_FORMAT,
    ...(e.PREFECT_API_URL === undefined
      ? {}
      : {
          prefect: {
            apiUrl: e.PREFECT_API_URL,
            ...(e.PREFECT_API_KEY === undefined ? {} : { apiKey: e.PREFECT_API_KEY }),
            ...(e.PREFECT_API_AUTH_STRING === undefined ? {} : { authString: e.PREFECT_API_AUTH_STRING }),
          },
        }),
  };
  return Object.freeze({
    lakehouse: Object.freeze(lakehouse),
    fleet: Object.freeze(fleet),
    api: Object.freeze(api),
    observability: Object.freeze(observability),
  });
}
