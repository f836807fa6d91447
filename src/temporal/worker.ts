import path from 'node:path';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { Metrics } from '../metrics';
import { classifyActivityErrors } from './activity-errors';
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
};

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    // Metrics first (outermost), so they count failures as classified.
    interceptors: {
      activity: [...(options.metrics ? [options.metrics.activityInterceptor] : []), classifyActivityErrors],
      workflowModules: workflowInterceptorModules,
    },
    sinks: options.metrics?.workerSinks,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    // Give in-flight activities time to finish on shutdown; the rest are retried by another worker.
    shutdownGraceTime: '10s',
  });
}
