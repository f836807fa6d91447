import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { ServiceDeps } from './deps';
import { AppError } from '../domain/errors';

/**
 * Starts the workflow that belongs to a reserved row (its id is derived from the row's), on the
 * engine's task queue, refusing a duplicate id. "Already started" means an earlier attempt of the
 * same request started it, which is what we want. If the start fails, `undo` (given only by the
 * attempt that reserved the row) removes the reservation and the caller gets 503: nothing was
 * created, and a retry of the same request may create it.
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
    if (undo) await undo();
    deps.logger.error({ err: error, workflowId: options.workflowId }, 'could not start the workflow');
    throw new AppError('UNAVAILABLE', `The workflow service is unavailable; ${nothingDone}, try again`);
  }
}
