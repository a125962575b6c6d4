import { validateIdentifier } from '../../../../src/shared/lakehouse/names.js';
import { RestError, toRestError } from './errors.js';
import { addNamespace } from './namespaces.js';
import { paginate, type Route } from './rest.js';
import { catalogRefOf, findBranch, tableParts, type CatalogRef, type FakeContext } from './state.js';
import { namespacesAt, tableJson, tablesAt } from './tables.js';

/** Runs a read at a ref spec, answering REF_NOT_FOUND / INVALID_REF like Bauplan's `refs/{ref}` routes. */
export async function atRef<T>(context: FakeContext, spec: string, read: (ref: CatalogRef) => Promise<T>): Promise<T> {
  let ref: CatalogRef;
  try {
    ref = await catalogRefOf(context.lakehouse, spec);
  } catch (error) {
    throw toRestError(error, {
      notFound: () => new RestError(404, 'REF_NOT_FOUND', `ref ${spec} not found`, { input_ref: spec }),
      invalid: () => new RestError(400, 'INVALID_REF', `invalid ref ${spec}`, { input_ref: spec }),
    });
  }
  return read(ref);
}

function matchesFilter(value: string, filter: string | null): boolean {
  return filter === null || filter === '' || value.includes(filter);
}

/** Tables and namespaces: GET /refs/{ref}/tables[/{name}], DELETE /branches/{b}/tables/{name}, namespaces. */
export function tableRoutes(context: FakeContext): Route[] {
  return [
    {
      method: 'GET',
      path: 'refs/:ref/tables',
      handle: (request) =>
        atRef(context, request.params['ref'] as string, async (ref) => {
          const namespace = request.query.get('filter_by_namespace');
          const tables = (await tablesAt(context, request.params['ref'] as string))
            .filter((t) => namespace === null || namespace === '' || t.namespace === namespace)
            .filter((t) => matchesFilter(t.name, request.query.get('filter_by_name')))
            .map(tableJson);
          return { ...paginate(tables, request.query, context.pageSize), ref };
        }),
    },
    {
      method: 'GET',
      path: 'refs/:ref/tables/:name',
      handle: (request) => {
        const spec = request.params['ref'] as string;
        return atRef(context, spec, async (ref) => {
          const wanted = tableParts(request.params['name'] as string, request.query.get('namespace'));
          const found = (await tablesAt(context, spec)).find((t) => t.qualified === wanted.qualified);
          if (found === undefined) {
            throw new RestError(404, 'TABLE_NOT_FOUND', `table ${wanted.qualified} not found at ${spec}`, {
              table_name: wanted.qualified,
              input_ref: spec,
              ref,
            });
          }
          return { data: tableJson(found), ref };
        });
      },
    },
    {
      method: 'DELETE',
      path: 'branches/:branch/tables/:name',
      handle: () => Promise.reject(new RestError(501, 'NOT_IMPLEMENTED', 'the fake cannot delete tables')),
    },
    {
      method: 'GET',
      path: 'refs/:ref/namespaces',
      handle: (request) => {
        const spec = request.params['ref'] as string;
        return atRef(context, spec, async (ref) => {
          const names = (await namespacesAt(context, spec)).filter((n) => matchesFilter(n, request.query.get('filter_by_name')));
          return { ...paginate(names.map((name) => ({ name })), request.query, context.pageSize), ref };
        });
      },
    },
    {
      method: 'GET',
      path: 'refs/:ref/namespaces/:name',
      handle: (request) => {
        const spec = request.params['ref'] as string;
        const name = request.params['name'] as string;
        return atRef(context, spec, async (ref) => {
          if (!(await namespacesAt(context, spec)).includes(name)) {
            throw new RestError(404, 'NAMESPACE_NOT_FOUND', `namespace ${name} not found at ${spec}`, {
              namespace_name: name,
              input_ref: spec,
              ref,
            });
          }
          return { data: { name }, ref };
        });
      },
    },
    {
      method: 'POST',
      path: 'branches/:branch/namespaces',
      handle: async (request) => {
        const branchName = request.params['branch'] as string;
        const name = request.body['namespace_name'];
        if (typeof name !== 'string' || name === '') throw new RestError(400, 'BAD_REQUEST', 'namespace_name is required');
        const branch = await findBranch(context.lakehouse, branchName).catch((error: unknown) => Promise.reject(toRestError(error)));
        if (branch === undefined) {
          throw new RestError(404, 'BRANCH_NOT_FOUND', `branch ${branchName} not found`, { branch_name: branchName });
        }
        const ref: CatalogRef = { type: 'BRANCH', name: branch.name, hash: branch.hash };
        try {
          validateIdentifier('namespace', name);
        } catch (error) {
          throw new RestError(400, 'BAD_REQUEST', (error as Error).message);
        }
        if ((await namespacesAt(context, branchName)).includes(name)) {
          throw new RestError(409, 'NAMESPACE_EXISTS', `namespace ${name} already exists on ${branchName}`, { namespace_name: name, ref });
        }
        addNamespace(context, branchName, name);
        return { data: { name }, ref };
      },
    },
  ];
}
