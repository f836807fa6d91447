import type { ActivityOptions } from '@temporalio/workflow';

/**
 * The one default for activities. Every activity here is a short database write or a call that
 * answers in seconds: 30 s per attempt notices a worker lost mid-activity; infrastructure errors
 * retry from 1 s, backing off to one attempt every 30 s, for as long as it takes (no attempt limit);
 * business refusals are non-retryable ApplicationFailures and are not retried at all. A workflow
 * overrides a field only where its activities differ, and says why.
 */
export const defaultActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
} as const satisfies ActivityOptions;
