import fs from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { BauplanSettings } from '../../config/index.js';
import { FloodgateError } from '../../errors/index.js';

/** Bauplan's public API endpoint, used when neither the environment nor the profile names one. */
export const DEFAULT_BAUPLAN_ENDPOINT = 'https://api.use1.aprod.bauplanlabs.com';

export interface BauplanCredentials {
  /** A secret: never logged, never put into an error message. */
  readonly apiKey: string;
  /** The REST API's origin; the catalog lives under `/catalog/v0`. */
  readonly endpoint: string;
  /** The job service: `host:port`. */
  readonly grpcTarget: string;
  readonly grpcTls: boolean;
  /** Where the key came from, for messages: `BAUPLAN_API_KEY` or `profile "<name>" in <file>`. */
  readonly source: string;
}

const profilesSchema = z.object({
  profiles: z.record(z.string(), z.object({ api_key: z.string().min(1).optional(), api_endpoint: z.url().optional() }).loose()).optional(),
}).loose();

type Profile = { api_key?: string | undefined; api_endpoint?: string | undefined };

async function readProfile(file: string, name: string): Promise<Profile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FloodgateError('CONFIG_INVALID', `cannot read the Bauplan profiles file ${file}: ${(error as Error).message}`);
  }
  const parsed = profilesSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FloodgateError('CONFIG_INVALID', `${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.profiles?.[name];
}

/** `grpc://h:p` is plaintext, `grpcs://h:p` and a bare `h:p` use TLS. */
function grpcTarget(settings: BauplanSettings, endpoint: string): { target: string; tls: boolean } {
  if (settings.grpcEndpoint !== undefined) {
    const plaintext = settings.grpcEndpoint.startsWith('grpc://');
    return { target: settings.grpcEndpoint.replace(/^grpcs?:\/\//, ''), tls: !plaintext };
  }
  const url = new URL(endpoint);
  const tls = url.protocol === 'https:';
  return { target: `${url.hostname}:${url.port === '' ? (tls ? '443' : '80') : url.port}`, tls };
}

/**
 * The API key and endpoints, from the environment first, then the profile `BAUPLAN_PROFILE`
 * (default `default`) in `~/.bauplan/config.yaml`. A missing key fails here, when the Bauplan
 * backend is opened, and never for the local backend.
 */
export async function resolveBauplanCredentials(settings: BauplanSettings): Promise<BauplanCredentials> {
  const profile = settings.apiKey === undefined || settings.endpoint === undefined ? await readProfile(settings.configFile, settings.profile) : undefined;
  const apiKey = settings.apiKey ?? profile?.api_key;
  if (apiKey === undefined) {
    throw new FloodgateError(
      'CONFIG_INVALID',
      `the Bauplan backend needs an API key: set BAUPLAN_API_KEY, or add api_key to profile "${settings.profile}" in ${settings.configFile} ` +
        '(choose another profile with BAUPLAN_PROFILE)',
    );
  }
  const endpoint = (settings.endpoint ?? profile?.api_endpoint ?? DEFAULT_BAUPLAN_ENDPOINT).replace(/\/+$/, '');
  const grpc = grpcTarget(settings, endpoint);
  return {
    apiKey,
    endpoint,
    grpcTarget: grpc.target,
    grpcTls: grpc.tls,
    source: settings.apiKey === undefined ? `profile "${settings.profile}" in ${settings.configFile}` : 'BAUPLAN_API_KEY',
  };
}
