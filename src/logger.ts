import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/** Fields every log line of the current request carries (its request id), whoever logs it. */
export const logContext = new AsyncLocalStorage<{ requestId: string }>();

/**
 * JSON lines on stdout. Secrets are redacted by path in case one ever reaches a log call;
 * the code itself never logs tokens, passwords or keys.
 */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'partner-onboarding' },
      mixin: () => logContext.getStore() ?? {},
      serializers: { err: serializeError },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.headers.authorization',
          'headers.authorization',
          'authorization',
          'apiKey',
          '*.apiKey',
          'token',
          '*.token',
          'temporaryPassword',
          '*.temporaryPassword',
          'password',
          '*.password',
          '*.*.temporaryPassword',
          'credentials',
          '*.credentials',
          'linkToken',
          '*.linkToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Drizzle writes a failed statement's parameters into its message: "Failed query: …\nparams: …". */
export function withoutQueryParameters(text: string): string {
  return text.replace(/\nparams: [\s\S]*?(?=\n    at |$)/, '\nparams: [withheld]');
}

/** Fields of an error that hold a statement's values (Drizzle, postgres.js) or a row's (Postgres `detail`). */
const withheldFields = new Set(['params', 'parameters', 'args', 'detail', 'where']);

/**
 * The `err` serializer: type, message, stack, code-like fields and the cause chain, with the
 * values of a failed statement withheld, so a database error never logs names, emails or hashes.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!error || typeof error !== 'object') return error;
  const source = error as Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: (source.constructor as { name?: string } | undefined)?.name ?? 'Error',
    message: withoutQueryParameters(String(source.message ?? '')),
    stack: withoutQueryParameters(String(source.stack ?? '')),
  };
  for (const [key, value] of Object.entries(source)) {
    if (key in out || key === 'cause' || withheldFields.has(key)) continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  if (source.cause && depth < 8) out.cause = serializeError(source.cause, depth + 1);
  return out;
}

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT when set (production forces json in the config), else pretty on a terminal and JSON in a pipe or file. */
export const resolveLogFormat = (format: LogFormat | undefined, isTerminal: boolean): LogFormat =>
  format ?? (isTerminal ? 'pretty' : 'json');

/**
 * The logger of a process (`npm start`, `npm run api`, `npm run worker`): JSON lines for machines,
 * or one readable, coloured line per event for a developer at a terminal — same fields, same redaction.
 */
export function createProcessLogger(
  config: { logLevel: string; logFormat?: LogFormat },
  stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const isTerminal = Boolean(stdout.isTTY);
  if (resolveLogFormat(config.logFormat, isTerminal) === 'json')
    return createLogger(config.logLevel, stdout === process.stdout ? undefined : (stdout as pino.DestinationStream));
  return createLogger(
    config.logLevel,
    pretty({
      destination: stdout,
      colorize: isTerminal,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      singleLine: true,
    }),
  );
}
