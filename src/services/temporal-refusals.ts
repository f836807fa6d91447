import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { findCause } from '../domain/cause-chain';
import { AppError, isErrorCode } from '../domain/errors';

/**
 * Turns a workflow's business refusal (an ApplicationFailure whose type is one of our error codes)
 * into the matching AppError. Returns undefined for anything else, which stays a server error.
 */
export function businessErrorFrom(error: unknown): AppError | undefined {
  const failure = findCause(error, (cause): cause is ApplicationFailure => cause instanceof ApplicationFailure);
  if (isErrorCode(failure?.type)) {
    const details = (failure.details ?? []).flatMap((detail) => (Array.isArray(detail) ? detail : [detail]));
    return new AppError(failure.type, failure.message, details);
  }
  return undefined;
}

/** A workflow that has already completed no longer takes updates. */
export function isWorkflowClosed(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  if (error instanceof WorkflowUpdateFailedError) return false;
  const message = String((error as Error)?.message ?? '');
  return /workflow execution already completed|not found/i.test(message);
}
