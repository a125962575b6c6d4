import type { PrefectClient } from './client.js';
import { stableUuid } from './ids.js';
import { Lru } from './lru.js';

export const FLOW_NAME = 'wap-ingest';
export const STAGES = ['write', 'audit', 'publish'] as const;
export type WapStage = (typeof STAGES)[number];

export type StateType = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CRASHED';
const TERMINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']);

export function isTerminal(stateType: string | undefined): boolean {
  return stateType !== undefined && TERMINAL.has(stateType);
}

export function isStage(value: unknown): value is WapStage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

interface RunBody {
  readonly id: string;
  readonly state?: { readonly type?: string } | null;
}

interface SetStateAnswer {
  readonly status: 'ACCEPT' | 'REJECT' | 'ABORT' | 'WAIT';
}

export interface FlowRunRef {
  readonly id: string;
  readonly flowId: string;
  /** The state Prefect reported when asked (undefined when the id came from the cache). */
  readonly stateType: string | undefined;
}

export interface StateProposal {
  readonly type: StateType;
  readonly message?: string;
  /** Parts of the transition id: the same proposal resent is not applied twice. */
  readonly transition: readonly string[];
}

/**
 * Flow and task runs, made idempotently: the flow by name, the flow run by idempotency key
 * (the run id), a task run by (flow run, task key, dynamic key). Ids are cached per process;
 * any process can rebuild them from Prefect.
 */
export class PrefectRuns {
  #flowId: string | undefined;
  readonly #flowRuns = new Lru<string>(10_000);
  readonly #taskRuns = new Lru<string>(30_000);

  readonly #client: PrefectClient;

  constructor(client: PrefectClient) {
    this.#client = client;
  }

  async flowId(): Promise<string> {
    if (this.#flowId === undefined) {
      const flow = await this.#client.post<RunBody>('/flows/', { name: FLOW_NAME, tags: ['floodgate'] });
      this.#flowId = flow.id;
    }
    return this.#flowId;
  }

  /** The run's flow run, created PENDING when new; `fresh` asks Prefect even when cached, for its state. */
  async flowRun(runId: string, table: string, fresh = false): Promise<FlowRunRef> {
    const flowId = await this.flowId();
    const cached = this.#flowRuns.get(runId);
    if (cached !== undefined && !fresh) return { id: cached, flowId, stateType: undefined };
    const run = await this.#client.post<RunBody>('/flow_runs/', {
      flow_id: flowId,
      name: runId,
      idempotency_key: runId,
      parameters: { table, runId },
      tags: ['floodgate', `table:${table}`],
      state: { type: 'PENDING', message: 'enqueued' },
    });
    this.#flowRuns.set(runId, run.id);
    return { id: run.id, flowId, stateType: run.state?.type ?? undefined };
  }

  /** The stage's task run, linked to the previous stage's task run as its parent. */
  async taskRun(flowRunId: string, runId: string, stage: WapStage): Promise<string> {
    const cacheKey = `${flowRunId}/${stage}`;
    const cached = this.#taskRuns.get(cacheKey);
    if (cached !== undefined) return cached;
    const index = STAGES.indexOf(stage);
    const previous = index > 0 ? STAGES[index - 1] : undefined;
    const parent = previous === undefined ? undefined : await this.taskRun(flowRunId, runId, previous);
    const task = await this.#client.post<RunBody>('/task_runs/', {
      flow_run_id: flowRunId,
      task_key: `wap-${stage}`,
      dynamic_key: '0',
      name: stage,
      tags: ['floodgate'],
      task_inputs: parent === undefined ? {} : { __parents__: [{ input_type: 'task_run', id: parent }] },
    });
    this.#taskRuns.set(cacheKey, task.id);
    return task.id;
  }

  /** Proposes a state; REJECT, ABORT and WAIT are answers, not failures (a late or repeated event). */
  async setFlowRunState(flowRunId: string, proposal: StateProposal): Promise<SetStateAnswer['status']> {
    return this.setState(`/flow_runs/${flowRunId}/set_state`, proposal);
  }

  async setTaskRunState(taskRunId: string, proposal: StateProposal): Promise<SetStateAnswer['status']> {
    return this.setState(`/task_runs/${taskRunId}/set_state`, proposal);
  }

  /** Task runs of the flow run not yet in a final state. */
  async openTaskRuns(flowRunId: string): Promise<string[]> {
    const tasks = await this.#client.post<RunBody[]>('/task_runs/filter', {
      flow_runs: { id: { any_: [flowRunId] } },
      limit: 50,
    });
    return tasks.filter((task) => !isTerminal(task.state?.type ?? undefined)).map((task) => task.id);
  }

  private async setState(path: string, proposal: StateProposal): Promise<SetStateAnswer['status']> {
    const answer = await this.#client.post<SetStateAnswer>(path, {
      state: {
        type: proposal.type,
        ...(proposal.message === undefined ? {} : { message: proposal.message.slice(0, 2000) }),
        state_details: { transition_id: stableUuid('transition', ...proposal.transition) },
      },
    });
    return answer.status;
  }
}
