import { Runtime, type LogLevel, type LogMetadata, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger';

const pinoLevel = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The SDK's log metadata as our log fields: `runId` everywhere, errors as `err`, no task tokens. */
function fieldsOf(meta: LogMetadata | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'taskToken') continue;
    if (key === 'workflowRunId') fields.runId = value;
    else if (key === 'error') fields.err = value;
    else fields[key] = value;
  }
  return fields;
}

let target: Logger | undefined;
let installed: { workerMetricsAddress?: string } | undefined;

/** Forwards SDK, workflow (`log` from @temporalio/workflow) and activity (`Context.current().log`) logs to pino. */
const forwarder: SdkLogger = {
  log(level: LogLevel, message: string, meta?: LogMetadata) {
    target?.[pinoLevel[level] ?? 'info'](fieldsOf(meta), message);
  },
  trace: (message, meta) => forwarder.log('TRACE', message, meta),
  debug: (message, meta) => forwarder.log('DEBUG', message, meta),
  info: (message, meta) => forwarder.log('INFO', message, meta),
  warn: (message, meta) => forwarder.log('WARN', message, meta),
  error: (message, meta) => forwarder.log('ERROR', message, meta),
};

/**
 * Installs the Temporal SDK runtime once per process, before the first worker connection: its logs
 * (the worker's, the workflows' and the activities', each carrying workflowId and runId) go to pino
 * instead of the console, Core's own warnings are forwarded too, and the Core metrics (task
 * latencies, slots, polls, workflow completions) are served for Prometheus at WORKER_METRICS_ADDRESS.
 *
 * The runtime is process-wide; a later engine in the same process (tests) takes over the log
 * target but keeps the first metrics address.
 */
export function installTemporalRuntime(options: { logger: Logger; workerMetricsAddress?: string }): void {
  target = options.logger;
  if (installed) {
    if (installed.workerMetricsAddress !== options.workerMetricsAddress) {
      options.logger.warn(
        { workerMetricsAddress: installed.workerMetricsAddress },
        'the Temporal runtime is already installed; keeping its metrics address',
      );
    }
    return;
  }
  Runtime.install({
    logger: forwarder,
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(options.workerMetricsAddress
        ? { metrics: { prometheus: { bindAddress: options.workerMetricsAddress } } }
        : {}),
    },
    // The engine's own signal handler stops the HTTP server before the worker; the runtime must not race it.
    shutdownSignals: [],
  });
  installed = { workerMetricsAddress: options.workerMetricsAddress };
}
