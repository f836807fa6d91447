import path from 'node:path';
import {
  bundleWorkflowCode,
  Worker,
  type LogMetadata,
  type Logger as SdkLogger,
  type NativeConnection,
  type WorkerOptions as NativeWorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { classifyActivityErrors } from './activity-errors';
import { failureConverterPath } from './data-converter';

export const workflowsPath = path.resolve(import.meta.dirname, '../../workflows/index.ts');
/** Bundled with the workflows: reports each run's outcome to the worker's metrics sink. */
export const workflowInterceptorModules = [path.resolve(import.meta.dirname, 'workflow-interceptors.ts')];

/**
 * The bundler's chatter (webpack's whole report comes at info level) as debug lines of our logger,
 * or nowhere: a developer starting the engine reads what matters, not a build report.
 */
export function bundlerLogger(logger?: Logger): SdkLogger {
  const log = (message: string, meta?: LogMetadata) =>
    logger?.debug({ component: 'workflow-bundler', ...meta }, message);
  return {
    log: (_level, message, meta) => log(message, meta),
    trace: log,
    debug: log,
    info: log,
    warn: log,
    error: log,
  };
}

/**
 * Evaluated once per worker thread, in the V8 context its runs share, instead of once per run: the
 * workflows with what they import, the interceptors and the failure converter. Without this the SDK
 * runs every module's top level again for each run it starts (about 0.5 ms of the workflow thread)
 * and keeps that run's copy of them while the run is cached. The SDK freezes these modules, so they
 * must hold no state of their own: each run's state lives in its workflow function's scope, and the
 * module-level proxies (proxyActivities, proxySinks) find the run they serve when called.
 */
export const preloadedWorkflowModules = [workflowsPath, ...workflowInterceptorModules, failureConverterPath];

/** Bundles the workflow code once; tests share one bundle across files. */
export async function bundleWorkflows(logger?: Logger): Promise<WorkflowBundleOption> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    failureConverterPath,
    preloadModules: preloadedWorkflowModules,
    logger: bundlerLogger(logger),
  });
  return { code };
}

export type WorkerOptions = {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  workflowBundle?: WorkflowBundleOption;
  dataConverter?: DataConverter;
  /** Counts activity failures and workflow outcomes. */
  metrics?: Metrics;
  /** Receives the bundler's report (at debug) when the workflows are bundled here. */
  logger?: Logger;
  /** Cache size and task concurrency (config.worker); the SDK's defaults when omitted (tests). */
  tuning?: WorkerTuning;
};

/**
 * The worker's memory and concurrency bounds, and the guard on each call into a workflow's context
 * (ms; 0 → none: see patches/@temporalio+worker and stall-watch.ts), from WORKER_* configuration.
 */
export type WorkerTuning = Pick<
  NativeWorkerOptions,
  'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'
> & { isolateExecutionTimeout?: number };

/** What Worker.create receives; exported so a test can check the configured bounds reach the SDK. */
export function workerOptions(options: WorkerOptions & { workflowBundle: WorkflowBundleOption }): NativeWorkerOptions {
  return {
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    // Metrics first (outermost), so they count failures as classified. The workflow interceptors are
    // bundled with the workflows (bundleWorkflows).
    interceptors: {
      activity: [...(options.metrics ? [options.metrics.activityInterceptor] : []), classifyActivityErrors],
    },
    sinks: options.metrics?.workerSinks,
    workflowBundle: options.workflowBundle,
    ...options.tuning,
    // Give in-flight activities time to finish on shutdown; the rest are retried by another worker.
    shutdownGraceTime: '10s',
  };
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create(
    workerOptions({ ...options, workflowBundle: options.workflowBundle ?? (await bundleWorkflows(options.logger)) }),
  );
}
