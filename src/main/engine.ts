import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker, WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityTestHooks } from '../../activities';
import { createApp } from '../api/app';
import type { ApiDeps } from '../api/context';
import type { RuntimeConfig } from '../config';
import { openDatabase, type DbHandle } from '../db/client';
import { createLogger, type Logger } from '../logger';
import { createMailer } from '../mail/mailer';
import { startMailRelay } from '../mail/relay';
import { createMetrics } from '../metrics';
import { createKeyRing } from '../security/cipher';
import { connectClient, connectWorkerConnection } from '../temporal/connection';
import { createDataConverter } from '../temporal/data-converter';
import { installTemporalRuntime } from '../temporal/logging';
import { watchWorkflowThread, workflowStallMs } from '../temporal/stall-watch';
import { createWorker } from '../temporal/worker';
import { startDeliveryRelay } from '../webhooks/relay';
import { ensureRetentionSchedule } from '../webhooks/retention';
import { startEscrowSweeper } from '../services/escrow-sweeper';

export type EngineOptions = {
  config: RuntimeConfig;
  runApi: boolean;
  runWorker: boolean;
  devMode?: boolean;
  /** Reuse an open database (dev mode's PGlite, tests); otherwise DATABASE_URL is opened and closed here. */
  database?: DbHandle;
  workflowBundle?: WorkflowBundleOption;
  /** Test-only hooks handed to the activities (see ActivityTestHooks). */
  activityTestHooks?: ActivityTestHooks;
  logger?: Logger;
  /** 0 picks a free port (tests). */
  listenPort?: number;
};

export type Engine = {
  deps: ApiDeps;
  url?: string;
  /** The worker, when this process runs one. */
  worker?: Worker;
  stop(): Promise<void>;
};

/**
 * Wires one process: the API, the worker, or both (dev mode). Every dependency is built here once
 * and handed down; stop() lets in-flight requests and activities finish before closing connections.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set (npm start runs a dev server for you)');
  const role = options.runApi && options.runWorker ? 'all' : options.runApi ? 'api' : 'worker';
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      maxConnections: config.databasePoolSize,
      applicationName: `partner-onboarding-${role}`,
    }));
  const keyRing = createKeyRing(
    { keyId: config.encryption.keyId, key: config.encryption.key },
    config.encryption.previousKeys,
  );
  const mailer = createMailer({
    db: database.db,
    keyRing,
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    logger,
    timeoutMs: config.mail.smtpTimeoutMs,
    retryScheduleMs: config.mail.retryScheduleMs,
  });
  const target = { ...config.temporal, address: config.temporal.address };
  // Payloads are encrypted on the way into Temporal and decrypted on the way out, by client and worker alike.
  const dataConverter = createDataConverter(keyRing);
  const metrics = createMetrics();
  if (mailer.transport === 'smtp') metrics.watchMailBacklog(() => mailer.backlog());
  const temporal = await connectClient(target, dataConverter, { workflow: [metrics.clientInterceptor] });
  const deps: ApiDeps = {
    config,
    db: database.db,
    temporal,
    mailer,
    keyRing,
    logger,
    metrics,
    devMode: options.devMode,
  };

  let stopWorker = async () => {};
  let worker: Worker | undefined;
  if (options.runWorker) {
    installTemporalRuntime({ logger, workerMetricsAddress: config.workerMetricsAddress });
    const connection = await connectWorkerConnection(target);
    worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: createActivities({
        db: database.db,
        mailer,
        keyRing,
        publicBaseUrl: config.publicBaseUrl,
        logger,
        webhooks: config.webhooks,
        subscriptionTiming: config.subscriptionTiming,
        testHooks: options.activityTestHooks,
      }),
      workflowBundle:
        options.workflowBundle ?? (config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined),
      dataConverter,
      metrics,
      logger,
      tuning: config.worker,
    });
    const running = worker.run();
    const started = worker;
    // Without the SDK's guard on workflow code, a stalled workflow thread ends the process (stall-watch.ts).
    const stopStallWatch =
      config.worker.isolateExecutionTimeout === 0
        ? watchWorkflowThread(worker.numInFlightActivations$, {
            stallMs: workflowStallMs,
            onStall: (stall) => {
              logger.fatal(
                stall,
                'no workflow activation completed while some were in flight (a workflow stuck in a loop?); exiting for a fresh worker',
              );
              process.exit(1);
            },
          })
        : () => {};
    running.catch((error) => logger.error({ err: error }, 'worker stopped with an error'));
    await ensureRetentionSchedule(temporal, config.temporal.taskQueue);
    const relay = startDeliveryRelay({
      db: database.db,
      temporal,
      taskQueue: config.temporal.taskQueue,
      settings: config.webhooks,
      logger,
    });
    const mailRelay =
      mailer.transport === 'smtp'
        ? startMailRelay({ mailer, intervalMs: config.mail.relayIntervalMs, logger })
        : { stop: async () => {} };
    stopWorker = async () => {
      stopStallWatch();
      await relay.stop();
      await mailRelay.stop();
      if (started.getState() === 'RUNNING') started.shutdown();
      await running.catch(() => {});
      await connection.close();
    };
  }

  let server: Server | undefined;
  let url: string | undefined;
  let stopSweeper = () => {};
  if (options.runApi) {
    stopSweeper = startEscrowSweeper(database.db, logger, Math.min(60_000, config.credentialsReplayWindowMs));
    const { app } = createApp(deps);
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a failed listen (EADDRINUSE) to this callback rather than throwing it.
      const listening = app.listen(options.listenPort ?? config.port, (error?: Error) =>
        error ? reject(error) : resolve(listening),
      );
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  return {
    deps,
    url,
    worker,
    async stop() {
      stopSweeper();
      if (server) {
        // Stop accepting connections; requests in flight complete first.
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        // Keep-alive connections go as soon as their request is answered, not after keepAliveTimeout.
        server.closeIdleConnections();
        const reaper = setInterval(() => server!.closeIdleConnections(), 50);
        await closed;
        clearInterval(reaper);
      }
      await stopWorker();
      await temporal.connection.close();
      await mailer.close();
      if (!options.database) await database.close();
    },
  };
}
