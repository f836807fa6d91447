import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type Logger = pino.Logger;

/** Fields every log line of the current request carries (its request id), whoever logs it. */
export const logContext = new AsyncLocalStorage<{ requestId: string }>();

/**
 * JSON lines on stdout. Secrets are redacted by path in case one ever reaches a log call;
 * the code itself never logs tokens, passwords or keys.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'partner-onboarding' },
    mixin: () => logContext.getStore() ?? {},
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
  }, destination);
}
