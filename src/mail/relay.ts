import type { Logger } from '../logger';
import type { Mailer } from './mailer';

const batchSize = 20;

/**
 * The mail relay: sends what the outbox still holds unsent once it is due — a message whose
 * writer could not send it (SMTP down or refusing), or whose writer died before sending. Runs in
 * every worker; passes lock the rows they take (SKIP LOCKED), so workers share the work and no
 * message is taken twice at once. A pass that meets a failure stops there until the next interval:
 * the server is likely down, and the failed message's next try is already set by the schedule. An
 * idle relay reads one indexed row per MAIL_RELAY_INTERVAL.
 */
export function startMailRelay(deps: { mailer: Mailer; intervalMs: number; logger: Logger }) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      for (;;) {
        if (stopped) break;
        const { sent, failed } = await deps.mailer.relayPass(batchSize);
        if (sent > 0) deps.logger.info({ sent }, 'mail relay sent queued mail');
        if (failed || sent < batchSize) break;
      }
    } catch (error) {
      deps.logger.warn({ err: error }, 'mail relay pass failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => (running = tick()), deps.intervalMs);
  };
  running = tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
