import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commanderService, flightService } from '../../src/shared/lakehouse/bauplan/proto/services.js';
import { trips, writeFile } from '../support/data.js';
import { startFakeBauplan, type FakeBauplan } from '../support/bauplan/fake/index.js';
import { startMoto, type MotoServer } from '../support/moto.js';

type Message = Record<string, unknown>;
type Method = (request: Message, metadata: grpc.Metadata, callback?: (error: grpc.ServiceError | null, response: Message) => void) => unknown;

/** The fake's own wire surface, spoken with raw fetch and a raw grpc-js client. */
describe('fake Bauplan server', () => {
  let moto: MotoServer;
  let fake: FakeBauplan;
  let commander: grpc.Client;
  const branch = 'alice.wap/taxi.trips/r1';

  beforeAll(async () => {
    process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
    moto = await startMoto();
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'landing' }));
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-fake-bauplan-test-'));
    const file = await writeFile(path.join(tmp, 'part-0.parquet'), trips(10));
    await s3.send(new PutObjectCommand({ Bucket: 'landing', Key: 'trips/part-0.parquet', Body: await fs.readFile(file) }));
    await fs.rm(tmp, { recursive: true, force: true });
    fake = await startFakeBauplan({ s3Endpoint: moto.endpoint });
    const Commander = grpc.makeGenericClientConstructor(commanderService(), 'Commander');
    commander = new Commander(fake.grpcTarget, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    commander?.close();
    await fake?.close();
    await moto?.stop();
  });

  async function rest(method: string, route: string, body?: unknown, apiKey = fake.apiKey): Promise<{ status: number; json: Message }> {
    const response = await fetch(`${fake.restEndpoint}/catalog/v0${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Message };
  }

  function auth(token: string): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return metadata;
  }

  function method(client: grpc.Client, name: string): Method {
    return ((client as unknown as Record<string, Method>)[name] as Method).bind(client);
  }

  function unary(name: string, request: Message, token = fake.apiKey): Promise<Message> {
    return new Promise((resolve, reject) =>
      method(commander, name)(request, auth(token), (error, response) => (error ? reject(error) : resolve(response))),
    );
  }

  function stream(client: grpc.Client, name: string, request: Message, token: string): Promise<Message[]> {
    const call = method(client, name)(request, auth(token)) as grpc.ClientReadableStream<Message>;
    const messages: Message[] = [];
    return new Promise((resolve, reject) => {
      call.on('data', (message: Message) => messages.push(message));
      call.on('error', reject);
      call.on('end', () => resolve(messages));
    });
  }

  /** Submits a job and returns its events, the job_completion last. */
  async function runJob(rpc: string, request: Message): Promise<Array<Record<string, Message>>> {
    const response = await unary(rpc, { job_request_common: {}, ...request });
    const jobId = (response['job_response_common'] as Message)['job_id'] as string;
    const events = await stream(commander, 'SubscribeLogs', { job_id: jobId }, fake.apiKey);
    return events.map((event) => event['runner_event'] as Record<string, Message>);
  }

  function completion(events: Array<Record<string, Message>>): Message {
    return events.at(-1)?.['job_completion'] as Message;
  }

  it('refuses a bad key, and branches outside the user prefix', async () => {
    const denied = await rest('GET', '/branches', undefined, 'wrong');
    expect(denied).toMatchObject({ status: 401, json: { error: { type: 'UNAUTHORIZED' } } });
    const forbidden = await rest('POST', '/branches', { branch_name: 'bob.x', from_ref: 'main' });
    expect(forbidden).toMatchObject({ status: 403, json: { error: { type: 'CREATE_BRANCH_FORBIDDEN' } } });
    await expect(unary('GetBauplanInfo', {}, 'wrong')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await unary('GetBauplanInfo', {})).toMatchObject({ user_info: { username: 'alice' } });
  });

  it('creates, lists page by page, gets and deletes branches', async () => {
    for (const name of ['alice.a', 'alice.b', 'alice.c']) {
      expect(await rest('POST', '/branches', { branch_name: name, from_ref: 'main' })).toMatchObject({ status: 200, json: { data: { name } } });
    }
    const names: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = token === null ? '' : `&pagination_token=${encodeURIComponent(token)}`;
      const page = await rest('GET', `/branches?filter_by_user=alice${query}`);
      names.push(...(page.json['data'] as Array<{ name: string }>).map((b) => b.name));
      token = (page.json['metadata'] as { pagination_token: string | null }).pagination_token;
      pages++;
    } while (token !== null);
    expect(names).toEqual(['alice.a', 'alice.b', 'alice.c']);
    expect(pages).toBe(2);
    const got = await rest('GET', `/branches/${encodeURIComponent('alice.b')}`);
    expect(got.json['data']).toMatchObject({ name: 'alice.b', hash: expect.any(String) });
    expect(await rest('POST', '/branches', { branch_name: 'alice.b', from_ref: 'main' })).toMatchObject({
      status: 409,
      json: { error: { type: 'BRANCH_EXISTS' } },
    });
    expect(await rest('DELETE', '/branches/alice.b')).toMatchObject({ status: 200, json: { data: { name: 'alice.b' } } });
    expect(await rest('GET', '/branches/alice.b')).toMatchObject({ status: 404, json: { error: { type: 'BRANCH_NOT_FOUND' } } });
  });

  it('plans, applies and imports a table from S3, queries it over Flight and refuses a repeated merge', async () => {
    const created = await rest('POST', '/branches', { branch_name: branch, from_ref: 'main' });
    expect(created.status).toBe(200);
    const encoded = encodeURIComponent(branch);
    const target = { branch_name: branch, namespace: 'taxi', table_name: 'trips', search_string: 's3://landing/trips/*.parquet' };

    const plan = await runJob('TableCreatePlan', { ...target, table_replace: false });
    const done = plan.find((event) => event['table_create_plan_done_event'])?.['table_create_plan_done_event'];
    expect(done).toMatchObject({ success: true, can_auto_apply: true, files_to_be_imported: ['s3://landing/trips/part-0.parquet'] });
    expect(completion(plan)).toHaveProperty('success');

    const apply = await runJob('TableCreatePlanApply', { plan_yaml: done?.['plan_as_yaml'] });
    expect(completion(apply)).toHaveProperty('success');
    const pending = await rest('GET', `/refs/${encoded}/tables/trips?namespace=taxi`);
    expect(pending.json['data']).toMatchObject({ name: 'trips', namespace: 'taxi', records: 0 });

    expect(completion(await runJob('TableDataImport', { ...target, import_duplicate_files: false }))).toHaveProperty('success');
    // The same file again is skipped: no duplicate rows.
    expect(completion(await runJob('TableDataImport', { ...target, import_duplicate_files: false }))).toHaveProperty('success');
    expect(fake.submissions['TableDataImport']).toBe(2);
    const tables = await rest('GET', `/refs/${encoded}/tables?filter_by_namespace=taxi`);
    expect(tables.json['data']).toEqual([expect.objectContaining({ name: 'trips', records: 10 })]);

    const query = await runJob('QueryRun', { ref: branch, sql_query: 'SELECT count(*) AS n FROM taxi.trips' });
    const flightEvent = query.find((event) => event['flight_server_start'])?.['flight_server_start'];
    expect(flightEvent).toMatchObject({ endpoint: fake.flightTarget, use_tls: false, num_rows: 1 });
    const Flight = grpc.makeGenericClientConstructor(flightService(), 'Flight');
    const flight = new Flight(flightEvent?.['endpoint'] as string, grpc.credentials.createInsecure());
    try {
      await expect(stream(flight, 'ListFlights', {}, 'not-the-token')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      const infos = await stream(flight, 'ListFlights', {}, flightEvent?.['magic_token'] as string);
      expect(infos).toHaveLength(1);
      expect(infos[0]).toMatchObject({ total_records: '1', endpoint: [expect.anything(), expect.anything()] });
    } finally {
      flight.close();
    }

    const failed = await runJob('QueryRun', { ref: 'main', sql_query: 'SELECT * FROM taxi.nope' });
    expect(completion(failed)['failure']).toMatchObject({ error_message: expect.stringContaining('taxi.nope'), error_code: 1 });

    const merged = await rest('POST', `/refs/${encoded}/merge/main`, { commit_message: 'publish taxi.trips' });
    expect(merged).toMatchObject({ status: 200, json: { ref: { type: 'BRANCH', name: 'main' } } });
    expect((await fake.lakehouse.getRef('main')).commit).toBe((merged.json['ref'] as { hash: string }).hash);
    const again = await rest('POST', `/refs/${encoded}/merge/main`, {});
    expect(again).toMatchObject({ status: 400, json: { error: { type: 'SAME_REF' } } });
  });
});
