import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { eventRetentionWorkflow } from '../../workflows/event-retention';
import { eventRetentionScheduleId } from '../../workflows/ids';

/** The Schedule's id: one per task queue, so every deployment (and test engine) cleans with its own workers. */
export const retentionScheduleId = (taskQueue: string) => `${eventRetentionScheduleId}-${taskQueue}`;

/**
 * Creates, once, the Temporal Schedule that removes events older than EVENT_RETENTION every hour.
 * It is visible (and can be paused or triggered) in the Temporal UI's Schedules page.
 */
export async function ensureRetentionSchedule(temporal: Client, taskQueue: string): Promise<void> {
  try {
    await temporal.schedule.create({
      scheduleId: retentionScheduleId(taskQueue),
      spec: { intervals: [{ every: '1h' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: eventRetentionWorkflow, taskQueue, args: [] },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
