import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON lines on stdout. Secrets are redacted by path in case one ever reaches a log call;
 * the code itself never logs tokens, passwords or keys.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'partner-onboarding' },
    redact: {
      paths: [
        'req.headers.authorization',
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
      ],
      censor: '[redacted]',
    },
  });
}
