import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TypedSearchAttributes } from '@temporalio/common';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * The workflow modules are evaluated once per worker thread, in the context its runs share
 * (`preloadedWorkflowModules`), not once per run. The workers' code path is the SDK's reusable
 * context, driven here directly with the production bundle: each run's own module cache must hold none
 * of the project's modules, and two runs must share the same workflow function.
 */
describe('the workflow modules, preloaded', () => {
  type Run = { activator: { moduleCache: Map<string, unknown>; workflow: unknown }; dispose(): Promise<void> };
  let creator: { createWorkflow(options: object): Promise<Run>; destroy(): Promise<void> };

  beforeAll(async () => {
    // The production bundle, as the global setup built it with bundleWorkflows().
    const code = readFileSync(inject('workflowBundlePath'), 'utf8');
    // The source map only serves stack traces; the SDK's creator requires one.
    const sourceMap = { version: 3, sources: [], names: [], mappings: '' };
    creator = await (ReusableVMWorkflowCreator as any).create(
      { code, filename: 'workflow-bundle.js', sourceMap },
      5_000,
      new Set<string>(),
      undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await creator?.destroy();
  });

  function startRun(): Promise<Run> {
    const runId = randomUUID();
    const now = new Date();
    return creator.createWorkflow({
      info: {
        workflowId: `invitation-${runId}`,
        runId,
        workflowType: 'invitationWorkflow',
        searchAttributes: {},
        typedSearchAttributes: new TypedSearchAttributes(),
        taskQueue: 'preload-test',
        namespace: 'default',
        firstExecutionRunId: runId,
        originalExecutionRunId: runId,
        startTime: now,
        runStartTime: now,
        taskTimeoutMs: 10_000,
        attempt: 1,
        historyLength: 1,
        historySize: 0,
        continueAsNewSuggested: false,
        targetWorkerDeploymentVersionChanged: false,
        suggestedContinueAsNewReasons: [],
        currentBuildId: '',
        unsafe: { now: () => Date.now(), isReplaying: false, isReplayingHistoryEvents: false, random: Math.random },
        priority: {},
      },
      randomnessSeed: [1, 2, 3, 4, 5, 6, 7, 8],
      now: now.getTime(),
      showStackTraceSources: false,
      failureExceptionTypeNames: [],
    });
  }

  it("keeps none of the project's modules in a run's own module cache", async () => {
    const runs = [await startRun(), await startRun()];
    try {
      for (const run of runs) {
        const own = [...run.activator.moduleCache.keys()].map(String);
        expect(own.filter((id) => /\/(workflows|src)\//.test(id))).toEqual([]);
      }
      // One workflow function for both runs: evaluated once, in the shared context.
      const [first, second] = runs.map((run) => run.activator.workflow);
      expect(first).toBeTypeOf('function');
      expect(second).toBe(first);
    } finally {
      for (const run of runs) await run.dispose();
    }
  });
});
