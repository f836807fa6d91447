import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { ensureTestServer } from '../../src/temporal/test-server';
import { createMetrics } from '../../src/metrics';
import { bundleWorkflows } from '../../src/temporal/worker';
import { allSearchAttributes } from '../../workflows/search-attributes';

/**
 * The SDK gives the server 5 s to answer, which a JVM on a busy machine may miss: a few attempts
 * (the second start finds its classes in the page cache).
 */
async function startTestServer(wrapper: string, attempts = 8): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: wrapper } },
      });
    } catch (error) {
      if (attempt >= attempts || !/did not start within/.test(String(error))) throw error;
    }
  }
}

/** Temporal's time-skipping test server: timers of months or years fire as soon as the workflow waits on them. */
async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
  const env = await startTestServer(ensureTestServer());
  // The test server has no ListSearchAttributes; it registers ours as the dev server's flags do.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      allSearchAttributes.map((key) => [key.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */]),
    ),
  });
  return env;
}

/**
 * The test file's time-skipping server (one JVM per file, shared by its tests): started before the
 * file's tests, stopped after them. Read `.env` inside tests and hooks.
 */
export function timeSkippingServerPerFile(): { env: TestWorkflowEnvironment } {
  const server = {} as { env: TestWorkflowEnvironment };
  beforeAll(async () => {
    server.env = await timeSkippingEnvironment();
  });
  afterAll(async () => {
    await server.env?.teardown();
  });
  return server;
}

export const DAY = 86_400_000;

/** Polls (every 50 ms, 10 s at most) until `ready` holds: for what a worker does while the test server's clock stands still. */
export async function waitUntil(ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the workflow never reached the expected state');
}

/** The refusal of an Update: the ApplicationFailure it failed with (its type is the business code). */
export async function refusalOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('the update was accepted');
    },
    (caught: unknown) => caught,
  );
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) throw error;
  return error.cause;
}

/** The business code an Update was refused with. */
export const refusalCode = async (promise: Promise<unknown>) => (await refusalOf(promise)).type;

let bundle: Promise<WorkflowBundleOption> | undefined;

/** The run's workflow bundle (global setup) when there is one, else bundled here once per file. */
function projectBundle(): Promise<WorkflowBundleOption> {
  const shared = inject('workflowBundlePath');
  bundle ??= shared ? Promise.resolve({ code: readFileSync(shared, 'utf8') }) : bundleWorkflows();
  return bundle;
}

/**
 * A worker on a task queue of its own, with the project's workflow code (or `workflowBundle`) and the
 * given activity fakes. A worker runs once (runUntil): make one per test.
 */
export async function workflowWorker(
  env: TestWorkflowEnvironment,
  activities: object,
  workflowBundle?: WorkflowBundleOption,
) {
  const taskQueue = `workflows-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle ?? (await projectBundle()),
    activities,
    sinks: createMetrics().workerSinks,
  });
  return { worker, taskQueue };
}

/** Runs `scenario` on a fresh worker (a task queue of its own) with these activities, and stops the worker after it. */
export async function onWorker<T>(
  env: TestWorkflowEnvironment,
  activities: object,
  scenario: (taskQueue: string) => Promise<T>,
  workflowBundle?: WorkflowBundleOption,
): Promise<T> {
  const { worker, taskQueue } = await workflowWorker(env, activities, workflowBundle);
  return worker.runUntil(() => scenario(taskQueue));
}
