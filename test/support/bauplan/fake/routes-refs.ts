import { RestError, toRestError } from './errors.js';
import { paginate, type RestRequest, type Route } from './rest.js';
import { findBranch, findTag, SCRATCH_PREFIX, type FakeContext } from './state.js';

type Kind = 'branch' | 'tag';

function words(kind: Kind) {
  const upper = kind.toUpperCase();
  return { upper, field: `${kind}_name`, notFound: `${upper}_NOT_FOUND`, exists: `${upper}_EXISTS` };
}

function requiredString(request: RestRequest, field: string): string {
  const value = request.body[field];
  if (typeof value !== 'string' || value === '') throw new RestError(400, 'BAD_REQUEST', `${field} is required`);
  return value;
}

function notFound(kind: Kind, name: string): RestError {
  const w = words(kind);
  return new RestError(404, w.notFound, `${kind} ${name} not found`, { [w.field]: name });
}

/** GET/POST /branches, GET/DELETE /branches/{name}, and the same for /tags. */
export function refRoutes(context: FakeContext): Route[] {
  const { lakehouse } = context;
  const find = (kind: Kind, name: string) => (kind === 'branch' ? findBranch(lakehouse, name) : findTag(lakehouse, name));

  const routesOf = (kind: Kind, collection: string): Route[] => {
    const w = words(kind);
    return [
      {
        method: 'GET',
        path: collection,
        handle: async (request) => {
          const refs = kind === 'branch' ? await lakehouse.listBranches() : await lakehouse.listTags();
          const byName = request.query.get('filter_by_name');
          const rawUser = request.query.get('filter_by_user');
          const user = rawUser === '~' ? context.username : rawUser;
          const items = refs
            .filter((ref) => !ref.name.startsWith(SCRATCH_PREFIX))
            .filter((ref) => byName === null || byName === '' || ref.name.includes(byName))
            .filter((ref) => kind === 'tag' || user === null || user === '' || ref.name.startsWith(`${user}.`))
            .map((ref) => ({ name: ref.name, hash: ref.commit }))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          return paginate(items, request.query, context.pageSize);
        },
      },
      {
        method: 'GET',
        path: `${collection}/:name`,
        handle: async (request) => {
          const name = request.params['name'] as string;
          const found = await find(kind, name).catch((error: unknown) => Promise.reject(toRestError(error)));
          if (found === undefined) throw notFound(kind, name);
          return { data: found };
        },
      },
      {
        method: 'POST',
        path: collection,
        handle: async (request) => {
          const name = requiredString(request, w.field);
          const from = requiredString(request, 'from_ref');
          if (kind === 'branch' && !name.startsWith(`${context.username}.`)) {
            throw new RestError(403, 'CREATE_BRANCH_FORBIDDEN', `branch names must start with "${context.username}."`, {
              branch_name: name,
            });
          }
          if (name.includes('@')) throw new RestError(400, 'INVALID_REF', `invalid ${kind} name ${name}`, { input_ref: name });
          try {
            const created = kind === 'branch' ? await lakehouse.createBranch(name, { from }) : await lakehouse.createTag(name, { from });
            return { data: { name: created.name, hash: created.commit } };
          } catch (error) {
            const existing = (error as { code?: string }).code === 'REF_EXISTS' ? await lakehouse.getRef(name) : undefined;
            throw toRestError(error, {
              notFound: () => new RestError(404, 'REF_NOT_FOUND', `ref ${from} not found`, { input_ref: from }),
              exists: () =>
                new RestError(409, w.exists, `${kind} ${name} already exists`, {
                  [w.field]: name,
                  ref: { type: existing?.kind === 'tag' ? 'TAG' : 'BRANCH', name, hash: existing?.commit ?? '' },
                }),
            });
          }
        },
      },
      {
        method: 'DELETE',
        path: `${collection}/:name`,
        handle: async (request) => {
          const name = request.params['name'] as string;
          if (kind === 'branch' && name === 'main') {
            throw new RestError(403, 'DELETE_BRANCH_FORBIDDEN', 'the main branch cannot be deleted', { branch_name: name });
          }
          const found = await find(kind, name).catch((error: unknown) => Promise.reject(toRestError(error)));
          if (found === undefined) throw notFound(kind, name);
          const deleted = kind === 'branch' ? await lakehouse.deleteBranch(name) : await lakehouse.deleteTag(name);
          if (!deleted) throw notFound(kind, name);
          if (kind === 'branch') {
            context.pending.delete(name);
            context.namespaces.delete(name);
          }
          return { data: found };
        },
      },
    ];
  };

  return [...routesOf('branch', 'branches'), ...routesOf('tag', 'tags')];
}
