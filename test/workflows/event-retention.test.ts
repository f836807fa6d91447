import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { eventRetentionWorkflow } from '../../workflows/event-retention';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { timeSkippingServerPerFile, onWorker } from './support';

const server = timeSkippingServerPerFile();

describe('event-retention workflow (time-skipping)', () => {
  it('deletes the expired events once and reports how many', async () => {
    const fakes: Pick<Activities, 'deleteExpiredEvents'> = { deleteExpiredEvents: async () => ({ deleted: 42 }) };
    const recorder = recordCalls(fakes);
    await onWorker(server.env, recorder.activities, async (taskQueue) => {
      const handle = await server.env.client.workflow.start(eventRetentionWorkflow, {
        taskQueue,
        workflowId: 'event-retention-run',
      });
      expect(await handle.result()).toEqual({ deleted: 42 });
      await keepHistory(handle, 'event-retention-run');
    });
    expect(recorder.names()).toEqual(['deleteExpiredEvents']);
  });
});
