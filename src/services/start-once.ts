import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowIdReusePolicy,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { ServiceDeps } from './deps';
import { isOutcomeUnknown } from './dependency-outage';
import { AppError } from '../domain/errors';

/**
 * Starts the workflow that belongs to a reserved row (its id is derived from the row's), on the
 * engine's task queue, refusing a duplicate id. "Already started" means an earlier attempt of the
 * same request started it, which is what we want. If the start fails, `undo` (given only by the
 * attempt that reserved the row) removes the reservation and the caller gets 503: nothing was
 * created, and a retry of the same request may create it. A start cut off by the deadline counts as
 * failed only once the server says the run does not exist.
 */
export async function startOnce<W extends Workflow>(
  deps: ServiceDeps,
  workflow: W,
  options: Omit<WorkflowStartOptions<W>, 'taskQueue' | 'workflowIdReusePolicy'>,
  undo: (() => Promise<void>) | undefined,
  nothingDone: string,
): Promise<void> {
  try {
    await deps.temporal.workflow.start(workflow, {
      ...options,
      taskQueue: deps.config.temporal.taskQueue,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    } as WorkflowStartOptions<W>);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    // Cut off by the deadline, the start may have been made: undoing the reservation then would leave
    // a run whose row is gone. Ask the server, on a deadline of its own.
    if (isOutcomeUnknown(error) && (await startedAfterAll(deps, options.workflowId))) return;
    if (undo) await undo();
    deps.logger.error({ err: error, workflowId: options.workflowId }, 'could not start the workflow');
    throw new AppError('UNAVAILABLE', `The workflow service is unavailable; ${nothingDone}, try again`);
  }
}

/** How long a start cut off by its deadline may take to tell whether it was made. */
const startCheckTimeoutMs = 2_000;

/**
 * Whether a start whose answer was lost was made after all. Unknown (the server does not answer this
 * either) counts as not made, as every cut-off start did before this check: the reservation is undone.
 */
async function startedAfterAll(deps: ServiceDeps, workflowId: string): Promise<boolean> {
  try {
    await deps.temporal.withDeadline(Date.now() + startCheckTimeoutMs, () =>
      deps.temporal.workflow.getHandle(workflowId).describe(),
    );
    return true;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError))
      deps.logger.warn({ err: error, workflowId }, 'could not tell whether a cut-off start was made');
    return false;
  }
}
