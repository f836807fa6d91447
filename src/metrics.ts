import type { WorkflowClientInterceptor } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MailBacklog } from './mail/mailer';
import type { MetricsSinks } from './temporal/workflow-interceptors';

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The engine's Prometheus metrics, served at GET /metrics. One registry per engine (tests run
 * several in a process). The worker's Temporal Core metrics (task latencies, slots, polls) are
 * exported separately by the SDK runtime at WORKER_METRICS_ADDRESS.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const workflowStarts = new Counter({
    name: 'workflow_starts_total',
    help: 'Workflow starts requested by this process, by workflow type and result (started, already_started, error)',
    labelNames: ['workflow_type', 'result'] as const,
    registers: [registry],
  });
  const workflowOutcomes = new Counter({
    name: 'workflow_outcomes_total',
    help: 'Workflow runs closed on this worker, by workflow type and outcome (completed, failed, cancelled, continued_as_new)',
    labelNames: ['workflow_type', 'outcome'] as const,
    registers: [registry],
  });
  const activityFailures = new Counter({
    name: 'activity_failures_total',
    help: 'Activity attempts that failed on this worker, by activity type and whether Temporal will retry them',
    labelNames: ['activity_type', 'retryable'] as const,
    registers: [registry],
  });

  /** Counts every answered request under its route template (`/v1/invitations/:id`), never the raw path. */
  const httpMiddleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = {
        method: req.method,
        route: req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched',
        status: String(res.statusCode),
      };
      httpRequests.inc(labels);
      httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  const countStart = async <T>(workflowType: string, start: () => Promise<T>): Promise<T> => {
    try {
      const result = await start();
      workflowStarts.inc({ workflow_type: workflowType, result: 'started' });
      return result;
    } catch (error) {
      const alreadyStarted = (error as Error)?.name === 'WorkflowExecutionAlreadyStartedError';
      workflowStarts.inc({ workflow_type: workflowType, result: alreadyStarted ? 'already_started' : 'error' });
      throw error;
    }
  };

  /** Client interceptor: every way this process starts a workflow is counted. */
  const clientInterceptor: WorkflowClientInterceptor = {
    startWithDetails: (input, next) => countStart(input.workflowType, () => next(input)),
    signalWithStart: (input, next) => countStart(input.workflowType, () => next(input)),
    startUpdateWithStart: (input, next) => countStart(input.workflowType, () => next(input)),
  };

  /** Worker activity interceptor: failed attempts by activity type. */
  const activityInterceptor: ActivityInterceptorsFactory = (context) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          const cancelled =
            error instanceof CancelledFailure ||
            (error as Error)?.name === 'AbortError' ||
            (error as Error)?.name === 'CompleteAsyncError';
          if (!cancelled) {
            const nonRetryable = (error as { nonRetryable?: boolean })?.nonRetryable === true;
            activityFailures.inc({ activity_type: context.info.activityType, retryable: String(!nonRetryable) });
          }
          throw error;
        }
      },
    },
  });

  /** Worker sinks: the workflow interceptor reports each run's outcome here. */
  const workerSinks: InjectedSinks<MetricsSinks> = {
    metrics: {
      workflowOutcome: {
        fn: (info, outcome) => workflowOutcomes.inc({ workflow_type: info.workflowType, outcome }),
        callDuringReplay: false,
      },
    },
  };

  /**
   * The mail waiting in the outbox for SMTP, read from the database at each scrape: what to alert on
   * when the mail server is down (the mail relay retries meanwhile; src/mail/relay.ts).
   */
  const watchMailBacklog = (read: () => Promise<MailBacklog>) => {
    // A scrape collects every metric at once: the two gauges share the read in flight.
    let reading: Promise<MailBacklog> | undefined;
    const backlog = () => (reading ??= read().finally(() => (reading = undefined)));
    new Gauge({
      name: 'mail_outbox_unsent',
      help: 'Mail not sent yet over SMTP, by whether its last send failed (the mail relay retries it)',
      labelNames: ['last_send'] as const,
      registers: [registry],
      async collect() {
        const { unsent, failed } = await backlog();
        this.set({ last_send: 'none' }, unsent - failed);
        this.set({ last_send: 'failed' }, failed);
      },
    });
    new Gauge({
      name: 'mail_outbox_oldest_unsent_seconds',
      help: 'Age of the oldest mail not sent yet over SMTP (0 when none)',
      registers: [registry],
      async collect() {
        this.set((await backlog()).oldestSeconds);
      },
    });
  };

  return { registry, httpMiddleware, clientInterceptor, activityInterceptor, workerSinks, watchMailBacklog };
}
