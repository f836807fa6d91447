import { z } from 'zod';
import type { SubscriptionMonth } from './domain/subscription-time';

/** Parses durations such as `30d`, `90s`, `1500ms` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration like 30d, 12h, 90s or 500ms`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

/** The SDK's longest wait on one call into a workflow's context (isolateExecutionTimeout), in ms; `off` → 0. */
const isolateTimeout = z
  .string()
  .default('5s')
  .transform((text, ctx) => {
    if (text.trim() === 'off') return 0;
    try {
      const ms = parseDuration(text);
      if (ms >= 1 && ms <= 4_294_967_295) return ms;
    } catch {
      // Reported below, with what is accepted.
    }
    ctx.addIssue({ code: 'custom', message: `"${text}" is neither off nor a duration from 1ms to 49d, like 5s` });
    return z.NEVER;
  });

/** Comma-separated durations, such as a retry schedule `5s,5m,30m`. */
const durations = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return text.split(',').map(parseDuration);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `comma-separated durations: ${(error as Error).message}` });
        return z.NEVER;
      }
    });

/** `calendar` (real calendar months) or a duration every month lasts, such as `20s` for demos. */
const subscriptionMonth = z
  .string()
  .default('calendar')
  .transform((text, ctx): SubscriptionMonth => {
    if (text.trim() === 'calendar') return { kind: 'calendar' };
    try {
      return { kind: 'fixed', monthMs: parseDuration(text) };
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be "calendar" or ${(error as Error).message}` });
      return z.NEVER;
    }
  })
  .refine((month) => month.kind === 'calendar' || month.monthMs >= 1_000, 'a month must last at least 1s');

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** A 32-byte key given as base64 (44 characters) or hex (64 characters). */
const aesKey = z.string().transform((text, ctx) => {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as base64 or hex' });
    return z.NEVER;
  }
  return key;
});

const envSchema = z
  .object({
    PORT: port(3000),
    PUBLIC_BASE_URL: optionalText.pipe(z.url().optional()),
    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
    ),
    DATA_DIR: z.string().min(1).default('./.data'),
    TEMPORAL_ADDRESS: optionalText,
    TEMPORAL_DEV_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
    TEMPORAL_API_KEY: optionalText,
    TEMPORAL_TLS_CERT: optionalText,
    TEMPORAL_TLS_KEY: optionalText,
    TEMPORAL_CLI_PATH: optionalText,
    OPERATOR_API_KEY: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
    /** Encrypts secrets at rest (token and password escrow, outbox bodies) and Temporal payloads. */
    ENCRYPTION_KEY: optionalText.pipe(aesKey.optional()),
    /** Older keys, comma-separated `id:key`, kept so that data encrypted before a rotation still decrypts. */
    ENCRYPTION_KEYS_PREVIOUS: optionalText,
    ENCRYPTION_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .default('k1'),
    SMTP_URL: optionalText.pipe(
      z
        .string()
        .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
        .optional(),
    ),
    MAIL_FROM: z.string().min(3).default('Partner onboarding <no-reply@onboarding.local>'),
    /** The longest a send waits on the SMTP server at any step (connecting, its greeting, each reply); past it the relay retries. */
    SMTP_TIMEOUT: duration('10s').pipe(z.number().min(100, 'must be at least 100ms')),
    /** How often each worker's mail relay looks for unsent mail that is due (src/mail/relay.ts). */
    MAIL_RELAY_INTERVAL: duration('10s').pipe(z.number().min(10, 'must be at least 10ms')),
    /** The relay's grace for a fresh message (its writer sends it), then the waits after each failed send; the last repeats. */
    MAIL_RETRY_SCHEDULE: durations('1m,5m,15m,1h'),
    INVITATION_TTL: duration('30d'),
    REVIEW_TTL: duration('7d'),
    REMINDER_BEFORE: duration('3d'),
    /** How long submit waits for provisioning before answering 202. */
    SUBMIT_WAIT: duration('20s'),
    /** Every request answers within this bound: 503 with Retry-After (or submit's 202) when the work is not done. */
    API_ANSWER_TIMEOUT: duration('10s').pipe(z.number().min(1_000, 'must be at least 1s')),
    /** Requests one route serves at once per process; beyond it the route sheds load with 503 and Retry-After. */
    API_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(64),
    /** How long an API process keeps a resolved partner key (one round trip less per request); 0s looks every key up. */
    API_KEY_CACHE_TTL: duration('30s'),
    /** How long the caller that revealed a temporary password (by Idempotency-Key) may get the same answer again. */
    CREDENTIALS_REPLAY_WINDOW: duration('15m'),
    SUBSCRIPTION_MONTH: subscriptionMonth,
    CANCELLATION_WINDOW: duration('7d'),
    RENEWAL_NOTICE: duration('7d'),
    EXPIRED_GRACE: duration('30d'),
    DISABLED_GRACE: duration('90d'),
    /** Requests per minute and client address to the public link pages, whose tokens are the credential. */
    LINK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
    /** Requests per minute and API key to /v1 (per client address for calls without a key). */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1_200),
    /** Check every JSON reply against the schema its route declares (500 on a drift); unset → on outside production. */
    API_CHECK_REPLIES: z.enum(['true', 'false']).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `pretty` (human-readable) or `json`; unset → pretty on a terminal, JSON otherwise. Production is always JSON. */
    LOG_FORMAT: optionalText.pipe(z.enum(['json', 'pretty']).optional()),
    NODE_ENV: optionalText,
    UI_ORIGIN: optionalText,
    /**
     * Workflow runs a worker keeps in memory between tasks. A run not in the cache is replayed from
     * its history on its next task, so the cache bounds the worker's memory whatever number of runs
     * are merely waiting (the SDK's own default grows with the heap limit: about 2,300 here).
     * Measured at about 0.25 MiB per cached run; 500 keeps a worker near 500 MiB (README).
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).default(500),
    /**
     * Workflow tasks a worker runs at once (at most the cache size). 20, not the SDK's 40: measured
     * (README, *Measured*, 3 December, seventh run), a saturated worker then answers updates (a
     * reseller's accept) about twice as fast, new runs wait longer for their first step, and it
     * gives up a few percent of throughput; the local activities that hold these slots share a pool
     * of DATABASE_POOL_SIZE (10) connections anyway.
     */
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).default(20),
    /** Activities a worker runs at once; each may hold a database connection. */
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
    /**
     * The SDK's guard on workflow code, one per activation (as patched: patches/@temporalio+worker): a
     * workflow stuck in a loop fails its task after this long instead of freezing the worker. Node keeps
     * it with a thread started and joined per guarded call; `off` drops it (less worker CPU, and no
     * waits for those threads on the one workflow thread), and the worker then exits when its workflow
     * thread stalls (src/temporal/stall-watch.ts). README, "the guard on workflow code".
     */
    WORKER_ISOLATE_TIMEOUT: isolateTimeout,
    /** Connections each process opens to DATABASE_URL. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
    /** A prebuilt workflow bundle (`npm run build:workflows`) the worker loads instead of bundling at start-up. */
    WORKFLOW_BUNDLE_PATH: optionalText,
    /** host:port where the worker serves its Temporal Core metrics for Prometheus; unset → not served. */
    /** Webhooks (PRODUCT.md §7): see src/webhooks/config.ts. */
    WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).optional(),
    WEBHOOK_RETRY_SCHEDULE: durations('5s,5m,30m,2h,5h,10h,10h'),
    WEBHOOK_DISABLE_AFTER: duration('5d'),
    WEBHOOK_SECRET_OVERLAP: duration('24h'),
    WEBHOOK_RELAY_INTERVAL: duration('250ms'),
    EVENT_RETENTION: duration('30d'),
    WORKER_METRICS_ADDRESS: optionalText.pipe(
      z
        .string()
        .regex(/^[^\s/]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464')
        .optional(),
    ),
  })
  .transform((env) => ({
    port: env.PORT,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      devPort: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      apiKey: env.TEMPORAL_API_KEY,
      tlsCert: env.TEMPORAL_TLS_CERT,
      tlsKey: env.TEMPORAL_TLS_KEY,
      cliPath: env.TEMPORAL_CLI_PATH,
    },
    operatorApiKey: env.OPERATOR_API_KEY,
    encryption: {
      key: env.ENCRYPTION_KEY,
      keyId: env.ENCRYPTION_KEY_ID,
      previousKeys: env.ENCRYPTION_KEYS_PREVIOUS,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      smtpTimeoutMs: env.SMTP_TIMEOUT,
      relayIntervalMs: env.MAIL_RELAY_INTERVAL,
      retryScheduleMs: env.MAIL_RETRY_SCHEDULE,
    },
    invitationTtlMs: env.INVITATION_TTL,
    reviewTtlMs: env.REVIEW_TTL,
    reminderBeforeMs: env.REMINDER_BEFORE,
    submitWaitMs: env.SUBMIT_WAIT,
    answerTimeoutMs: env.API_ANSWER_TIMEOUT,
    apiKeyCacheTtlMs: env.API_KEY_CACHE_TTL,
    maxInFlightPerRoute: env.API_MAX_IN_FLIGHT,
    checkReplies: env.API_CHECK_REPLIES ? env.API_CHECK_REPLIES === 'true' : env.NODE_ENV !== 'production',
    credentialsReplayWindowMs: env.CREDENTIALS_REPLAY_WINDOW,
    /** Read by the worker's activities when a subscription workflow starts, then carried by the workflow. */
    subscriptionTiming: {
      month: env.SUBSCRIPTION_MONTH,
      cancellationWindowMs: env.CANCELLATION_WINDOW,
      renewalNoticeMs: env.RENEWAL_NOTICE,
      expiredGraceMs: env.EXPIRED_GRACE,
      disabledGraceMs: env.DISABLED_GRACE,
    },
    logLevel: env.LOG_LEVEL,
    logFormat: env.NODE_ENV === 'production' ? ('json' as const) : env.LOG_FORMAT,
    linkRateLimitPerMinute: env.LINK_RATE_LIMIT_PER_MINUTE,
    apiRateLimitPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
    uiOrigin: env.UI_ORIGIN ?? `http://localhost:${env.TEMPORAL_UI_PORT}`,
    workerMetricsAddress: env.WORKER_METRICS_ADDRESS,
    worker: {
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: Math.min(
        env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
        env.WORKER_MAX_CACHED_WORKFLOWS,
      ),
      maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      isolateExecutionTimeout: env.WORKER_ISOLATE_TIMEOUT,
    },
    databasePoolSize: env.DATABASE_POOL_SIZE,
    webhooks: {
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
      retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
      disableAfterMs: env.WEBHOOK_DISABLE_AFTER,
      secretOverlapMs: env.WEBHOOK_SECRET_OVERLAP,
      relayIntervalMs: env.WEBHOOK_RELAY_INTERVAL,
      eventRetentionMs: env.EVENT_RETENTION,
    },
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
  }));

export type Config = z.infer<typeof envSchema>;

/** Every environment variable the configuration reads (the schema's keys): what a child process must not inherit by accident. */
export const CONFIG_VARIABLES = Object.keys(envSchema.in.shape) as ReadonlyArray<keyof typeof envSchema.in.shape>;

/** A configuration whose secrets are settled: what the API and worker run with. */
export type RuntimeConfig = Config & {
  operatorApiKey: string;
  encryption: Config['encryption'] & { key: Buffer };
};

export class ConfigError extends Error {}

/** Reads the environment once; a bad value stops start-up with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Production processes need their secrets from the environment; dev mode generates them instead. */
export function requireSecrets(config: Config): RuntimeConfig {
  const missing = [
    !config.operatorApiKey && 'OPERATOR_API_KEY',
    !config.encryption.key && 'ENCRYPTION_KEY (32 bytes, base64 or hex)',
  ].filter(Boolean);
  if (missing.length > 0) throw new ConfigError(`Missing configuration: ${missing.join(', ')}`);
  return config as RuntimeConfig;
}
