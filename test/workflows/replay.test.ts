import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import { inject, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics';
import { bundleWorkflows } from '../../src/temporal/worker';
import { historiesDir, historyFromObject } from './histories';

/** Every committed history: `<workflow>-<path>.json`, recorded by `npm run histories:record`. */
const files = readdirSync(historiesDir)
  .filter((file) => file.endsWith('.json'))
  .sort();

/**
 * Replays each committed history against today's workflow code (the bundle the worker runs). A change
 * that makes a workflow issue other commands than its history recorded (an activity added before a
 * timer, a timer removed, a child started where none was) fails here with a DeterminismViolationError,
 * before it reaches a running workflow.
 */
describe('replay of the committed workflow histories', () => {
  it('holds a history for every workflow type', () => {
    const workflowTypes = new Set(
      files.map(
        (file) =>
          JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')).events[0]
            .workflowExecutionStartedEventAttributes.workflowType.name,
      ),
    );
    expect([...workflowTypes].sort()).toEqual([
      'eventRetentionWorkflow',
      'invitationWorkflow',
      'onboardingWorkflow',
      'orderWorkflow',
      'resellerRelationshipWorkflow',
      'subscriptionWorkflow',
      'webhookDeliveryWorkflow',
    ]);
  });

  it(`replays all ${files.length} histories without non-determinism`, async () => {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
    const shared = inject('workflowBundlePath');
    const workflowBundle = shared ? { code: readFileSync(shared, 'utf8') } : await bundleWorkflows();
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromObject(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle, sinks: createMetrics().workerSinks },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
