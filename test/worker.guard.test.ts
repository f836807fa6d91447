import { randomUUID } from 'node:crypto';
import path from 'node:path';
import vm from 'node:vm';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { nudge, steppingWorkflow, stuckWorkflow } from './fixtures/guarded-workflows';

const temporalAddress = inject('temporalAddress');

/**
 * The guard on workflow code (WORKER_ISOLATE_TIMEOUT, 5 s by default) as patched in
 * patches/@temporalio+worker: one timeout around each activation's calls into the workflow's
 * context, not one per call (Node starts and joins a thread for every call with a timeout). Workflow
 * code that never yields must still fail its own task and leave the worker running the others.
 *
 * The worker runs in this process (debugMode: the workflows on this thread, not a worker thread),
 * so the calls into the context can be counted.
 */
describe('the guard on workflow code', () => {
  const taskQueue = `guard-${randomUUID()}`;
  let connection: NativeConnection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const calls = { guarded: 0, unguarded: 0 };

  beforeAll(async () => {
    // This file's process only: the SDK's lifecycle lines are noise here; the failing task's warning stays.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    connection = await NativeConnection.connect({ address: temporalAddress });
    client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
    // The SDK reads isolateExecutionTimeout but no longer declares it (src/temporal/worker.ts passes it the same way).
    const options: WorkerOptions & { isolateExecutionTimeout: string } = {
      connection,
      taskQueue,
      workflowsPath: path.resolve(import.meta.dirname, 'fixtures/guarded-workflows.ts'),
      debugMode: true,
      isolateExecutionTimeout: '1s',
    };
    worker = await Worker.create(options);
    const runInContext = vm.Script.prototype.runInContext;
    vi.spyOn(vm.Script.prototype, 'runInContext').mockImplementation(function (
      this: vm.Script,
      context: vm.Context,
      options?: vm.RunningScriptOptions,
    ) {
      if (options?.timeout !== undefined) calls.guarded += 1;
      else calls.unguarded += 1;
      return runInContext.call(this, context, options);
    });
    running = worker.run();
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    worker?.shutdown();
    await running;
    await client?.connection.close();
    await connection?.close();
  });

  it('sets one timeout per activation, around all of its calls into the context', async () => {
    const steps = 4;
    calls.guarded = 0;
    calls.unguarded = 0;
    const handle = await client.workflow.start(steppingWorkflow, {
      taskQueue,
      workflowId: `stepping-${randomUUID()}`,
      args: [steps],
    });
    for (let step = 1; step <= steps; step += 1) {
      await handle.signal(nudge);
    }
    expect(await handle.result()).toBe(steps);
    const { events } = await handle.fetchHistory();
    const activations = events!.filter((event) => event.workflowTaskCompletedEventAttributes).length;
    // Each activation initializes or activates, unblocks conditions until none moves, and concludes:
    // three calls or more, where the SDK as shipped set a timeout on each.
    expect(calls.guarded + calls.unguarded).toBeGreaterThanOrEqual(3 * activations);
    // One guarded evaluation per activation, besides the run's creation (initRuntime) and, once it
    // has closed, its removal from the cache (dispose). As shipped: 18 guarded calls for 4 activations.
    expect(calls.guarded).toBeGreaterThanOrEqual(activations);
    expect(calls.guarded).toBeLessThanOrEqual(activations + 2);
  });

  it('fails the task of workflow code that never yields, and goes on running other workflows', async () => {
    const stuck = await client.workflow.start(stuckWorkflow, { taskQueue, workflowId: `stuck-${randomUUID()}` });
    try {
      await vi.waitFor(
        async () => {
          const { events } = await stuck.fetchHistory();
          const failed = events!.find((event) => event.workflowTaskFailedEventAttributes);
          expect(failed?.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/timed out after 1000ms/);
        },
        { timeout: 20_000, interval: 200 },
      );
      const other = await client.workflow.start(steppingWorkflow, {
        taskQueue,
        workflowId: `after-stuck-${randomUUID()}`,
        args: [1],
      });
      await other.signal(nudge);
      expect(await other.result()).toBe(1);
    } finally {
      await stuck.terminate('test over').catch(() => {});
    }
  }, 60_000);
});
