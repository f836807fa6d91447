/**
 * Runs inside the workflow isolate (bundled with the workflows): deterministic code only. Reports
 * each run's outcome through the `metrics` sink; the worker counts it outside the sandbox, and only
 * when not replaying.
 */
import {
  ContinueAsNew,
  isCancellation,
  proxySinks,
  TemporalFailure,
  type Sinks,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';

export type WorkflowOutcome = 'completed' | 'failed' | 'cancelled' | 'continued_as_new';

export interface MetricsSinks extends Sinks {
  metrics: { workflowOutcome(outcome: WorkflowOutcome): void };
}

const { metrics } = proxySinks<MetricsSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          const result = await next(input);
          metrics.workflowOutcome('completed');
          return result;
        } catch (error) {
          if (error instanceof ContinueAsNew) metrics.workflowOutcome('continued_as_new');
          else if (isCancellation(error)) metrics.workflowOutcome('cancelled');
          // Other errors fail the workflow task, which Temporal retries: not an outcome yet.
          else if (error instanceof TemporalFailure) metrics.workflowOutcome('failed');
          throw error;
        }
      },
    },
  ],
});
