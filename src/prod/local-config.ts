import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config';
import type { LocalTopologySettings } from './local-topology';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * The launcher's own variables (`npm run prod:local`); the application processes it starts read
 * src/config.ts as usual. PORT, PUBLIC_BASE_URL, DATA_DIR, DATABASE_URL, TEMPORAL_UI_PORT,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, OPERATOR_API_KEY, ENCRYPTION_KEY and LOG_LEVEL keep their meaning.
 */
const schema = z.object({
  PORT: port(3000),
  PUBLIC_BASE_URL: z.string().optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: z.string().optional(),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
  LOG_LEVEL: z.string().default('info'),
  /** Temporal's own Postgres server (Debian binaries, data under DATA_DIR/prod/postgres). */
  LOCAL_POSTGRES_PORT: port(5433),
  /** The first Temporal node's frontend port; its other ports and further nodes' follow (see README). */
  LOCAL_TEMPORAL_PORT: port(7233),
  /** Temporal server processes: 1 runs every service; each more runs history and matching. */
  LOCAL_TEMPORAL_NODES: count(2, 5),
  LOCAL_WORKERS: count(2, 16),
});

/** Every environment variable `npm run prod:local` reads. */
export const LOCAL_CONFIG_VARIABLES = Object.keys(schema.shape) as ReadonlyArray<keyof typeof schema.shape>;

export function loadLocalSettings(
  env: NodeJS.ProcessEnv,
  /** Keys used when OPERATOR_API_KEY / ENCRYPTION_KEY are unset, kept in the topology's directory. */
  secretsFor: (dir: string) => { operatorApiKey: string; encryptionKey: string },
): LocalTopologySettings {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`,
    );
  }
  const settings = parsed.data;
  const dir = path.resolve(settings.DATA_DIR, 'prod');
  const secrets = env.OPERATOR_API_KEY && env.ENCRYPTION_KEY ? undefined : secretsFor(dir);
  return {
    dir,
    postgresPort: settings.LOCAL_POSTGRES_PORT,
    temporalBasePort: settings.LOCAL_TEMPORAL_PORT,
    temporalNodes: settings.LOCAL_TEMPORAL_NODES,
    namespace: settings.TEMPORAL_NAMESPACE,
    uiPort: settings.TEMPORAL_UI_PORT,
    apiPort: settings.PORT,
    publicBaseUrl: settings.PUBLIC_BASE_URL ?? `http://localhost:${settings.PORT}`,
    workers: settings.LOCAL_WORKERS,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    databaseUrl: settings.DATABASE_URL,
    operatorApiKey: env.OPERATOR_API_KEY || secrets!.operatorApiKey,
    encryptionKey: env.ENCRYPTION_KEY || secrets!.encryptionKey,
    logLevel: settings.LOG_LEVEL,
  };
}
