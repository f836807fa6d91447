import path from 'node:path';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions as NativeWorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { Metrics } from '../metrics';
import { failureConverterPath } from './data-converter';

export const workflowsPath = path.resolve(import.meta.dirname, '../../workflows/index.ts');
/** Bundled with the workflows: reports each run's outcome to the worker's metrics sink. */
export const workflowInterceptorModules = [path.resolve(import.meta.dirname, 'workflow-interceptors.ts')];

/** Bundles the workflow code once; tests share one bundle across files. */
export async function bundleWorkflows(): Promise<WorkflowBundleOption> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, failureConverterPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
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
  /** Cache size and task concurrency (config.worker); the SDK's defaults when omitted (tests). */
  tuning?: WorkerTuning;
};

/** The worker's memory and concurrency bounds, from WORKER_* configuration. */
export type WorkerTuning = Pick<NativeWorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'>;

/** What Worker.create receives; exported so a test can check the configured bounds reach the SDK. */
export function workerOptions(options: WorkerOptions): NativeWorkerOptions {
  return {
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    interceptors: { activity: options.metrics ? [options.metrics.activityInterceptor] : [], workflowModules: workflowInterceptorModules },
    sinks: options.metrics?.workerSinks,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    ...options.tuning,
    // Give in-flight activities time to finish on shutdown; the rest are retried by another worker.
    shutdownGraceTime: '10s',
  };
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create(workerOptions(options));
}
