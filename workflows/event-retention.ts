import { proxyActivities } from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import type { Activities } from '../activities';

// One pass deletes a whole batch of expired events: minutes, not seconds, and no hurry to retry.
const activities = proxyActivities<Activities>({
  ...defaultActivityOptions,
  startToCloseTimeout: '5m',
  retry: { initialInterval: '10s' },
});

/** Run by the `event-retention-<task queue>` Schedule: events older than EVENT_RETENTION go. */
export async function eventRetentionWorkflow(): Promise<{ deleted: number }> {
  return activities.deleteExpiredEvents();
}
