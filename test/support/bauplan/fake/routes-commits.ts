import type { CommitInfo, MergeResult } from '../../../../src/shared/lakehouse/lakehouse.js';
import { RestError, toRestError } from './errors.js';
import { paginate, type RestRequest, type Route } from './rest.js';
import { atRef } from './routes-tables.js';
import { canWrite, catalogRefOf, findBranch, findTag, type CatalogRef, type FakeContext } from './state.js';

const WHOLE_LOG = 100_000;

function commitJson(commit: CommitInfo): Record<string, unknown> {
  const actor = { name: commit.author, email: null };
  return {
    ref: { type: 'DETACHED', hash: commit.id },
    message: commit.message,
    authors: [actor],
    authored_date: commit.createdAt,
    committer: actor,
    committed_date: commit.createdAt,
    parent_ref: { type: 'DETACHED', hash: commit.parents[0] ?? '' },
    parent_hashes: commit.parents,
    properties: commit.properties,
    signed_off_by: [],
  };
}

function commitFilter(request: RestRequest): (commit: CommitInfo) => boolean {
  const message = request.query.get('filter_by_message');
  const author = request.query.get('filter_by_author_name') ?? request.query.get('filter_by_author_username');
  const rawProperties = request.query.get('filter_by_properties');
  let properties: Record<string, string> = {};
  if (rawProperties !== null && rawProperties !== '') {
    try {
      properties = JSON.parse(rawProperties) as Record<string, string>;
    } catch {
      throw new RestError(400, 'BAD_REQUEST', 'filter_by_properties must be a JSON object');
    }
  }
  return (commit) =>
    (message === null || commit.message.includes(message)) &&
    (author === null || commit.author === author) &&
    Object.entries(properties).every(([key, value]) => commit.properties[key] === value);
}

function bodyString(request: RestRequest, field: string): string | undefined {
  const value = request.body[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** GET /refs/{ref}/commits and POST /refs/{source}/merge/{into}. */
export function commitRoutes(context: FakeContext): Route[] {
  const { lakehouse } = context;
  return [
    {
      method: 'GET',
      path: 'refs/:ref/commits',
      handle: (request) =>
        atRef(context, request.params['ref'] as string, async (ref) => {
          const keep = commitFilter(request);
          const commits = (await lakehouse.log(request.params['ref'] as string, { limit: WHOLE_LOG })).filter(keep).map(commitJson);
          return { ...paginate(commits, request.query, context.pageSize), ref };
        }),
    },
    {
      method: 'POST',
      path: 'refs/:source/merge/:into',
      handle: async (request) => {
        const source = request.params['source'] as string;
        const into = request.params['into'] as string;
        const lookup = async () => ({ branch: await findBranch(lakehouse, into), tag: await findTag(lakehouse, into) });
        const { branch, tag } = await lookup().catch((error: unknown) => Promise.reject(toRestError(error)));
        if (into.includes('@') || tag !== undefined) {
          throw new RestError(400, 'NOT_A_WRITE_BRANCH_REF', `${into} is not a branch`, { input_ref: into });
        }
        if (branch === undefined) throw new RestError(404, 'BRANCH_NOT_FOUND', `branch ${into} not found`, { branch_name: into });
        if (!canWrite(context, branch.name)) throw new RestError(403, 'MERGE_FORBIDDEN', `${branch.name} is protected`, { branch_name: branch.name });
        const intoRef: CatalogRef = { type: 'BRANCH', name: branch.name, hash: branch.hash };
        const sourceRef = await atRef(context, source, async (ref) => ref);
        const subject = bodyString(request, 'commit_message');
        const body = bodyString(request, 'commit_body');
        const message = subject === undefined ? body : body === undefined ? subject : `${subject}\n\n${body}`;
        const rawProperties = request.body['commit_properties'];
        const properties =
          typeof rawProperties === 'object' && rawProperties !== null ? (rawProperties as Record<string, string>) : undefined;
        let result: MergeResult;
        try {
          result = await lakehouse.merge(source, {
            into,
            author: context.username,
            ...(message === undefined ? {} : { message }),
            ...(properties === undefined || Object.keys(properties).length === 0 ? {} : { properties }),
          });
        } catch (error) {
          const mapped = toRestError(error);
          if (mapped.type === 'MERGE_CONFLICT') {
            // Bauplan's conflict names the two refs only, not the tables.
            throw new RestError(409, 'MERGE_CONFLICT', mapped.message, { source_ref: sourceRef, destination_ref: intoRef });
          }
          if (mapped.type === 'BRANCH_HEAD_CHANGED') {
            const head = await catalogRefOf(lakehouse, into);
            throw new RestError(409, 'BRANCH_HEAD_CHANGED', mapped.message, { input_ref: intoRef, head_ref: head });
          }
          throw mapped;
        }
        if (!result.changed) {
          throw new RestError(400, 'SAME_REF', `${source} is already merged into ${into}`, { input_ref: sourceRef, ref: intoRef });
        }
        const ref: CatalogRef = { type: 'BRANCH', name: into, hash: result.commit };
        return { data: ref, ref };
      },
    },
  ];
}
