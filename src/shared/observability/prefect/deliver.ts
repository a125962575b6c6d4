import { applyRunEvent, type ApplyContext, type Pending, type PrefectEvent } from './apply.js';

/** What became of each event of a batch: delivered, failed (with why), or deferred behind a failed earlier event of its run. */
export type Outcome = { readonly kind: 'done' } | { readonly kind: 'deferred' } | { readonly kind: 'error'; readonly error: unknown };

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await fn(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * Delivers one batch: each run's events in order (runs side by side, `concurrency` at a time),
 * then all the batch's Prefect events in one `POST /events`. Never throws.
 */
export async function deliverBatch(ctx: ApplyContext, batch: readonly Pending[], concurrency: number): Promise<Map<Pending, Outcome>> {
  const outcomes = new Map<Pending, Outcome>();
  const byRun = new Map<string, Pending[]>();
  for (const item of batch) {
    const group = byRun.get(item.event.runId);
    if (group === undefined) byRun.set(item.event.runId, [item]);
    else group.push(item);
  }
  const toSend: Array<{ item: Pending; event: PrefectEvent }> = [];
  await pool([...byRun.values()], concurrency, async (group) => {
    for (const [index, item] of group.entries()) {
      try {
        const event = await applyRunEvent(ctx, item);
        if (event === undefined || item.done.has('event')) outcomes.set(item, { kind: 'done' });
        else toSend.push({ item, event });
      } catch (error) {
        outcomes.set(item, { kind: 'error', error });
        for (const later of group.slice(index + 1)) outcomes.set(later, { kind: 'deferred' });
        return;
      }
    }
  });
  if (toSend.length > 0) {
    try {
      await ctx.client.post('/events', toSend.map((entry) => entry.event));
      for (const { item } of toSend) {
        item.done.add('event');
        outcomes.set(item, { kind: 'done' });
      }
    } catch (error) {
      for (const { item } of toSend) outcomes.set(item, { kind: 'error', error });
    }
  }
  return outcomes;
}
