import type { Logger } from '../logger';
import { startPeriodic } from '../periodic';
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
  return startPeriodic({
    what: 'mail relay pass',
    intervalMs: deps.intervalMs,
    logger: deps.logger,
    run: async (stopped) => {
      while (!stopped()) {
        const { sent, failed } = await deps.mailer.relayPass(batchSize);
        if (sent > 0) deps.logger.info({ sent }, 'mail relay sent queued mail');
        if (failed || sent < batchSize) break;
      }
    },
  });
}
