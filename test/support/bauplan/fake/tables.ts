import crypto from 'node:crypto';
import type { ColumnInfo } from '../../../../src/shared/lakehouse/lakehouse.js';
import { namespacesCreatedAt } from './namespaces.js';
import { pendingAt, type FakeContext } from './state.js';

/** One table as the fake sees it at a ref: a real one of the backing store, or a pending one. */
export interface TableView {
  readonly namespace: string;
  readonly name: string;
  readonly qualified: string;
  readonly records: number;
  readonly size: number;
  readonly fields: readonly ColumnInfo[];
  readonly metadataLocation: string;
  readonly lastUpdatedMs: number;
  readonly pending: boolean;
}

/** A stable id per table name, shaped like a UUID (Bauplan's ids are UUIDs). */
function tableId(qualified: string): string {
  const hex = crypto.createHash('sha1').update(`fake-bauplan:${qualified}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function split(qualified: string): { namespace: string; name: string } {
  const dot = qualified.indexOf('.');
  return { namespace: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

/** Every table at a ref spec, pending ones included, sorted by name. Throws the backing store's errors. */
export async function tablesAt(context: FakeContext, spec: string): Promise<TableView[]> {
  const { lakehouse } = context;
  const real = await lakehouse.listTables(spec);
  const [head] = await lakehouse.log(spec, { limit: 1 });
  const headMs = head === undefined ? Date.now() : Date.parse(head.createdAt);
  const views = new Map<string, TableView>();
  for (const table of real) {
    views.set(table.name, {
      ...split(table.name),
      qualified: table.name,
      records: table.rows,
      size: table.bytes,
      fields: await lakehouse.tableSchema(table.name, spec),
      metadataLocation: table.metadataLocation ?? '',
      lastUpdatedMs: headMs,
      pending: false,
    });
  }
  for (const [qualified, pending] of pendingAt(context, spec)) {
    views.set(qualified, {
      ...split(qualified),
      qualified,
      records: 0,
      size: 0,
      fields: pending.fields,
      metadataLocation: '',
      lastUpdatedMs: pending.createdAtMs,
      pending: true,
    });
  }
  return [...views.values()].sort((a, b) => (a.qualified < b.qualified ? -1 : 1));
}

/** The table on a branch head (pending ones included), or undefined. */
export async function tableOnBranch(context: FakeContext, branch: string, qualified: string): Promise<TableView | undefined> {
  return (await tablesAt(context, branch)).find((t) => t.qualified === qualified);
}

/** Namespaces at a ref: those of its tables plus those created on the branch. */
export async function namespacesAt(context: FakeContext, spec: string): Promise<string[]> {
  const names = new Set((await tablesAt(context, spec)).map((t) => t.namespace));
  for (const name of namespacesCreatedAt(context, spec)) names.add(name);
  return [...names].sort();
}

/** Bauplan's Table JSON. */
export function tableJson(view: TableView): Record<string, unknown> {
  return {
    id: tableId(view.qualified),
    name: view.name,
    namespace: view.namespace,
    kind: 'TABLE',
    records: view.records,
    size: view.size,
    last_updated_ms: view.lastUpdatedMs,
    fields: view.fields.map((field, index) => ({
      id: field.fieldId ?? index + 1,
      name: field.name,
      required: field.required,
      type: field.type,
    })),
    snapshots: view.pending ? 0 : 1,
    partitions: [],
    metadata_location: view.metadataLocation,
    current_snapshot_id: null,
    current_schema_id: 0,
    properties: {},
  };
}
