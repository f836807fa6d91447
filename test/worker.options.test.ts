import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { startTestEngine, type TestEngine } from './support/harness';

describe('worker cache and concurrency configuration', () => {
  it('defaults to a fixed workflow cache and task concurrency, whatever the heap size', () => {
    expect(loadConfig({}).worker).toEqual({
      maxCachedWorkflows: 500,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentActivityTaskExecutions: 100,
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
    });
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });
});

describe('the running worker', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({
      runApi: false,
      env: {
        WORKER_MAX_CACHED_WORKFLOWS: '123',
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '9',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '17',
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
  });
});
