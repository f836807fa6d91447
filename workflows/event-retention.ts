import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const activities = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { initialInterval: '10s' } });

/** Run by the `event-retention-<task queue>` Schedule: events older than EVENT_RETENTION go. */
export async function eventRetentionWorkflow(): Promise<{ deleted: number }> {
  return activities.deleteExpiredEvents();
}
