import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { failureConverterPath } from '../src/temporal/data-converter';
import { bundlerLogger, workflowInterceptorModules } from '../src/temporal/worker';
import { workflowStallMs } from '../src/temporal/stall-watch';
import { childEnv, startEntry, STARTUP_MS, tail } from './support/children';
import { ENCRYPTION_KEY, OPERATOR_KEY } from './support/harness';

const databaseUrl = inject('databaseUrl');
const temporalAddress = inject('temporalAddress');

/**
 * With WORKER_ISOLATE_TIMEOUT=off nothing interrupts workflow code that never yields, so the worker
 * watches its activations (src/temporal/stall-watch.ts). `npm run worker`, a child process as deployed,
 * loads a bundle holding such a workflow; once it runs, the worker must log at fatal and exit 1 (for
 * its supervisor to start a fresh one), not sit there frozen.
 */
describe.skipIf(!databaseUrl)('a worker without the guard on workflow code, when a workflow never yields', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'poe-stall-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'exits 1 with a fatal line once no activation has completed for the stall time',
    async () => {
      const { code } = await bundleWorkflowCode({
        workflowsPath: path.resolve(import.meta.dirname, 'fixtures/stuck-workflow.ts'),
        workflowInterceptorModules,
        failureConverterPath,
        logger: bundlerLogger(),
      });
      const bundlePath = path.join(dir, 'stuck-workflow-bundle.js');
      writeFileSync(bundlePath, code);
      const taskQueue = `stall-${randomUUID()}`;
      const worker = startEntry(
        'worker',
        childEnv({
          TEMPORAL_ADDRESS: temporalAddress,
          DATABASE_URL: databaseUrl,
          OPERATOR_API_KEY: OPERATOR_KEY,
          ENCRYPTION_KEY,
          TEMPORAL_TASK_QUEUE: taskQueue,
          WORKFLOW_BUNDLE_PATH: bundlePath,
          WORKER_ISOLATE_TIMEOUT: 'off',
        }),
        'stalling worker',
      );
      await worker.waitForOutput(/"msg":"worker running"/, STARTUP_MS);

      const client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
      const handle = await client.workflow.start('stuckWorkflow', { taskQueue, workflowId: `stuck-${randomUUID()}` });
      try {
        const startedAt = Date.now();
        const exit = await worker.exited;
        const output = worker.output();
        expect(exit.code, tail(output)).toBe(1);
        expect(output).toMatch(/"level":60.*no workflow activation completed while some were in flight/);
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(workflowStallMs - 2_000);
      } finally {
        await handle.terminate('test over').catch(() => {});
        await client.connection.close();
      }
    },
    STARTUP_MS + workflowStallMs + 30_000,
  );
});
