import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FloodgateError } from '../../../shared/errors/index.js';
import { ingestionRequestSchema } from '../../../shared/jobs/index.js';
import { RUN_STATUSES } from '../../../shared/ledger/index.js';
import { errorBody } from '../errors.js';
import type { ApiProducer } from '../options.js';
import { requireRedis, type ApiRedis } from '../redis.js';

const RUN_ID = /^[A-Za-z0-9_.-]{1,128}$/;

const blankAsAbsent = (value: unknown) => (value === '' ? undefined : value);

export const listRunsQuerySchema = z
  .object({
    table: z.preprocess(blankAsAbsent, ingestionRequestSchema.shape.table.optional()),
    status: z.preprocess(blankAsAbsent, z.enum(RUN_STATUSES).optional()),
    // Digits only: `1e2` or `0x10` are not what a caller means by a count.
    limit: z
      .preprocess(blankAsAbsent, z.string().regex(/^\d{1,4}$/, 'expected a whole number from 1 to 1000').optional())
      .transform((value) => (value === undefined ? 50 : Number(value)))
      .pipe(z.number().min(1, 'expected a whole number from 1 to 1000').max(1000, 'expected a whole number from 1 to 1000')),
  })
  .strict();

/** Query parameters given more than once (`?status=a&status=b`) arrive as lists, which no filter takes. */
function repeatedParameters(query: unknown): Array<{ path: string; message: string }> {
  if (query === null || typeof query !== 'object') return [];
  return Object.entries(query)
    .filter(([, value]) => Array.isArray(value))
    .map(([key]) => ({ path: key, message: 'give this parameter once' }));
}

/** GET /v1/runs/:id and GET /v1/runs?table=&status=&limit= (newest first). */
export function registerRunRoutes(app: FastifyInstance, deps: { producer: ApiProducer; redis: ApiRedis }): void {
  app.get<{ Params: { id: string } }>('/v1/runs/:id', async (request, reply) => {
    const { id } = request.params;
    if (!RUN_ID.test(id)) return reply.code(404).send(errorBody('NOT_FOUND', 'no such run'));
    await requireRedis(deps.redis);
    const run = await deps.producer.getRun(id);
    if (run === undefined) return reply.code(404).send(errorBody('NOT_FOUND', `no run ${id} (unknown, or past the retention period)`));
    return run;
  });

  app.get('/v1/runs', async (request) => {
    const repeated = repeatedParameters(request.query);
    const parsed = listRunsQuerySchema.safeParse(request.query ?? {});
    if (repeated.length > 0 || !parsed.success) {
      const issues = repeated.length > 0 ? repeated : (parsed.error?.issues ?? []).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      throw new FloodgateError('INVALID_INPUT', `invalid query: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { details: { issues } });
    }
    await requireRedis(deps.redis);
    const { table, status, limit } = parsed.data;
    const runs = await deps.producer.listRuns({ limit, ...(table === undefined ? {} : { table }), ...(status === undefined ? {} : { status }) });
    return { runs };
  });
}
