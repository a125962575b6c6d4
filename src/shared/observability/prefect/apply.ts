import type { RunEvent } from '../ports.js';
import { auditArtifacts, type ArtifactBody } from './artifacts.js';
import type { PrefectClient } from './client.js';
import { stableUuid } from './ids.js';
import { auditReport, errorMessage, eventPayload, failedCheckNames } from './payload.js';
import { FLOW_NAME, isStage, isTerminal, type FlowRunRef, type PrefectRuns, type StateType, type WapStage } from './runs.js';

/** A fleet event waiting in the buffer, with what was already done for it (steps are idempotent anyway). */
export interface Pending {
  readonly seq: number;
  readonly event: RunEvent;
  /** When the fleet emitted it: Prefect's `occurred` and the log timestamps. */
  readonly occurred: string;
  attempts: number;
  notBefore: number;
  readonly done: Set<string>;
}

export interface PrefectEvent {
  readonly id: string;
  readonly occurred: string;
  readonly event: string;
  readonly resource: Record<string, string>;
  readonly related: Array<Record<string, string>>;
  readonly payload: Record<string, unknown>;
}

export interface ApplyContext {
  readonly client: PrefectClient;
  readonly runs: PrefectRuns;
  readonly debug: (fields: Record<string, unknown>, message: string) => void;
}

/** Prefect's numeric log levels (Python's). */
const LEVEL = { info: 20, warning: 30, error: 40 } as const;

/** The fleet events that become Prefect events (`wap.stage.started` only drives task-run states). */
export const PUBLIC_EVENTS: ReadonlySet<string> = new Set([
  'wap.run.enqueued',
  'wap.run.written',
  'wap.run.audit.passed',
  'wap.run.audit.failed',
  'wap.run.published',
  'wap.run.rejected',
]);

/** `wap.run.audit.failed` comes twice: from the audit (with the checks) and when the run finishes (with `status`). */
function isFinish(event: RunEvent): boolean {
  return event.event === 'wap.run.published' || event.event === 'wap.run.rejected' || (event.event === 'wap.run.audit.failed' && 'status' in event.payload);
}

async function step(item: Pending, name: string, fn: () => Promise<unknown>): Promise<void> {
  if (item.done.has(name)) return;
  await fn();
  item.done.add(name);
}

function prefectEvent(item: Pending, flowRun: FlowRunRef): PrefectEvent {
  const { event } = item;
  return {
    id: stableUuid('event', event.runId, event.event),
    occurred: item.occurred,
    event: event.event,
    resource: { 'prefect.resource.id': `wap.table.${event.table}`, 'prefect.resource.name': event.table },
    related: [
      { 'prefect.resource.id': `prefect.flow-run.${flowRun.id}`, 'prefect.resource.role': 'flow-run', 'prefect.resource.name': event.runId },
      { 'prefect.resource.id': `prefect.flow.${flowRun.flowId}`, 'prefect.resource.role': 'flow', 'prefect.resource.name': FLOW_NAME },
      { 'prefect.resource.id': 'prefect.tag.floodgate', 'prefect.resource.role': 'tag' },
    ],
    payload: eventPayload(event),
  };
}

function attemptOf(event: RunEvent): string {
  const attempt = event.payload['attempt'];
  return typeof attempt === 'number' ? String(attempt) : '1';
}

/**
 * Applies one fleet event to Prefect: the flow run and the stage's task run states, logs and
 * artifacts, in that order. Returns the Prefect event to send (the caller batches them), if any.
 */
export async function applyRunEvent(ctx: ApplyContext, item: Pending): Promise<PrefectEvent | undefined> {
  const { event } = item;
  const { runs, client } = ctx;
  const started = event.event === 'wap.stage.started';
  const flowRun = await runs.flowRun(event.runId, event.table, started);
  const log = (level: number, message: string, taskRunId?: string) =>
    step(item, 'log', () =>
      client.post('/logs/', [
        { name: 'floodgate', level, message, timestamp: item.occurred, flow_run_id: flowRun.id, ...(taskRunId === undefined ? {} : { task_run_id: taskRunId }) },
      ]),
    );
  const taskState = async (stage: WapStage, type: StateType, message?: string): Promise<string> => {
    const taskRunId = await runs.taskRun(flowRun.id, event.runId, stage);
    await step(item, `task-${type}`, () =>
      runs.setTaskRunState(taskRunId, { type, ...(message === undefined ? {} : { message }), transition: [event.runId, stage, type, attemptOf(event)] }),
    );
    return taskRunId;
  };

  if (started) {
    const stage = event.payload['stage'];
    if (!isStage(stage)) return undefined;
    if (isTerminal(flowRun.stateType)) {
      ctx.debug({ runId: event.runId, stage, state: flowRun.stateType }, 'prefect: stage start after the flow run ended; ignored');
      return undefined;
    }
    if (flowRun.stateType !== 'RUNNING') {
      await step(item, 'flow-RUNNING', () => runs.setFlowRunState(flowRun.id, { type: 'RUNNING', transition: [event.runId, 'flow', 'RUNNING', stage, attemptOf(event)] }));
    }
    const taskRunId = await taskState(stage, 'RUNNING', `attempt ${attemptOf(event)}`);
    await log(LEVEL.info, `${stage} started (attempt ${attemptOf(event)})`, taskRunId);
    return undefined;
  }

  const payload = event.payload;
  switch (event.event) {
    case 'wap.run.enqueued':
      await log(LEVEL.info, `run enqueued for ${event.table}`);
      break;
    case 'wap.run.written': {
      const taskRunId = await taskState('write', 'COMPLETED');
      await log(LEVEL.info, `write finished: ${String(payload['rows'] ?? 0)} rows at commit ${String(payload['commit'] ?? '?')} on ${String(payload['branch'] ?? '?')}`, taskRunId);
      break;
    }
    case 'wap.run.audit.passed':
    case 'wap.run.audit.failed': {
      if (isFinish(event)) break;
      const passed = event.event === 'wap.run.audit.passed';
      const failed = failedCheckNames(event);
      const taskRunId = await taskState('audit', passed ? 'COMPLETED' : 'FAILED', passed ? undefined : `failed checks: ${failed.join(', ')}`);
      const report = auditReport(event);
      if (report !== undefined) await step(item, 'artifacts', () => postArtifacts(client, item, auditArtifacts(event.runId, report, { flowRunId: flowRun.id, taskRunId })));
      await log(passed ? LEVEL.info : LEVEL.error, passed ? 'audit passed' : `audit failed: ${failed.join(', ')}`, taskRunId);
      break;
    }
  }

  if (isFinish(event)) await finish(ctx, item, flowRun, log);
  return PUBLIC_EVENTS.has(event.event) && !(event.event === 'wap.run.audit.failed' && isFinish(event)) ? prefectEvent(item, flowRun) : undefined;
}

/** Ends the flow run: COMPLETED when published; FAILED when rejected or the audit failed; CRASHED when it failed on errors. */
async function finish(ctx: ApplyContext, item: Pending, flowRun: FlowRunRef, log: (level: number, message: string) => Promise<void>): Promise<void> {
  const { event } = item;
  const { runs } = ctx;
  const status = typeof event.payload['status'] === 'string' ? event.payload['status'] : 'rejected';
  if (event.event === 'wap.run.published') {
    const taskRunId = await runs.taskRun(flowRun.id, event.runId, 'publish');
    await step(item, 'task-COMPLETED', () => runs.setTaskRunState(taskRunId, { type: 'COMPLETED', transition: [event.runId, 'publish', 'COMPLETED'] }));
    await step(item, 'flow-COMPLETED', () => runs.setFlowRunState(flowRun.id, { type: 'COMPLETED', message: 'published', transition: [event.runId, 'flow', 'COMPLETED'] }));
    await log(LEVEL.info, `run published at commit ${String(event.payload['commit'] ?? '?')} (${String(event.payload['rows'] ?? 0)} rows)`);
    return;
  }
  const type: StateType = status === 'failed' ? 'CRASHED' : 'FAILED';
  const message = status === 'audit_failed' ? 'audit failed' : (errorMessage(event) ?? status);
  await step(item, 'open-tasks', async () => {
    for (const taskRunId of await runs.openTaskRuns(flowRun.id)) {
      await runs.setTaskRunState(taskRunId, { type, message, transition: [event.runId, taskRunId, type] });
    }
  });
  await step(item, `flow-${type}`, () => runs.setFlowRunState(flowRun.id, { type, message, transition: [event.runId, 'flow', type] }));
  await log(LEVEL.error, `run ${status}: ${message}`);
}

async function postArtifacts(client: PrefectClient, item: Pending, artifacts: ArtifactBody[]): Promise<void> {
  let existing = new Set<string>();
  if (item.attempts > 0) {
    // A retry: the first try may have created them before its answer was lost.
    const found = await client.post<Array<{ key: string | null }>>('/artifacts/filter', {
      artifacts: { key: { any_: artifacts.map((a) => a.key) }, flow_run_id: { any_: [artifacts[0]?.flow_run_id] } },
    });
    existing = new Set(found.map((a) => a.key ?? ''));
  }
  for (const artifact of artifacts) {
    if (!existing.has(artifact.key)) await client.post('/artifacts/', artifact);
  }
}
