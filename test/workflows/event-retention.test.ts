import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { eventRetentionWorkflow } from '../../workflows/event-retention';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { timeSkippingEnvironment, workflowWorker } from './support';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(async () => {
  await env?.teardown();
});

describe('event-retention workflow (time-skipping)', () => {
  it('deletes the expired events once and reports how many', async () => {
    const fakes: Pick<Activities, 'deleteExpiredEvents'> = { deleteExpiredEvents: async () => ({ deleted: 42 }) };
    const recorder = recordCalls(fakes);
    const { worker, taskQueue } = await workflowWorker(env, recorder.activities);
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(eventRetentionWorkflow, { taskQueue, workflowId: 'event-retention-run' });
      expect(await handle.result()).toEqual({ deleted: 42 });
      await keepHistory(handle, 'event-retention-run');
    });
    expect(recorder.names()).toEqual(['deleteExpiredEvents']);
  });
});
