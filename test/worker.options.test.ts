import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { createTestPartner, startTestEngine, type TestEngine } from './support/harness';
import { invite } from './support/invitations';

describe('worker cache and concurrency configuration', () => {
  it('defaults to a fixed workflow cache and task concurrency, whatever the heap size', () => {
    expect(loadConfig({}).worker).toEqual({
      maxCachedWorkflows: 500,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxConcurrentActivityTaskExecutions: 100,
      isolateExecutionTimeout: 5_000,
    });
    expect(loadConfig({}).databasePoolSize).toBe(10);
  });

  it('reads WORKER_* variables, keeping workflow task concurrency within the cache, and refuses nonsense naming the variable', () => {
    expect(
      loadConfig({
        WORKER_MAX_CACHED_WORKFLOWS: '20',
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '50',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '7',
      }).worker,
    ).toEqual({
      maxCachedWorkflows: 20,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxConcurrentActivityTaskExecutions: 7,
      isolateExecutionTimeout: 5_000,
    });
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });

  it('reads the guard on workflow code as a duration or off, and refuses 0 and nonsense', () => {
    expect(loadConfig({ WORKER_ISOLATE_TIMEOUT: '250ms' }).worker.isolateExecutionTimeout).toBe(250);
    expect(loadConfig({ WORKER_ISOLATE_TIMEOUT: 'off' }).worker.isolateExecutionTimeout).toBe(0);
    expect(() => loadConfig({ WORKER_ISOLATE_TIMEOUT: '0s' })).toThrow(/WORKER_ISOLATE_TIMEOUT/);
    expect(() => loadConfig({ WORKER_ISOLATE_TIMEOUT: 'never' })).toThrow(/WORKER_ISOLATE_TIMEOUT/);
  });
});

describe('the running worker', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({
      env: {
        WORKER_MAX_CACHED_WORKFLOWS: '123',
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '9',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '17',
        WORKER_ISOLATE_TIMEOUT: 'off',
      },
    });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('carries the configured workflow cache size and task concurrency into the SDK', () => {
    const options = engine.worker!.options;
    expect(options.maxCachedWorkflows).toBe(123);
    expect(options.tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 9 },
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 17 },
    });
    expect(options.isolateExecutionTimeoutMs).toBe(0);
  });

  it('runs workflows with the guard on workflow code off (the SDK as patched: unpatched, 0 is not a timeout Node takes)', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { link } = await invite(engine, provider, reseller.email);
    const accepted = await engine.request('POST', `${link}/accept`, {
      body: { partnerId: reseller.partnerId },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
  });
});
