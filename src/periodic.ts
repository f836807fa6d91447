import type { Logger } from './logger';

/**
 * Runs `run` now, then again `intervalMs` after each run ends (never two at once), until stopped.
 * A run that throws is logged and tried again at the next interval. `stop()` waits for a run in
 * progress; a run that loops should check `stopped()` between its steps. Used by the relays that
 * move rows from the database's outboxes onward (webhook deliveries, mail).
 */
export function startPeriodic(options: {
  /** Names the work in the warning logged when a run fails. */
  what: string;
  intervalMs: number;
  logger: Logger;
  run: (stopped: () => boolean) => Promise<void>;
}): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      await options.run(() => stopped);
    } catch (error) {
      options.logger.warn({ err: error }, `${options.what} failed; retrying`);
    }
    if (!stopped) timer = setTimeout(() => (running = tick()), options.intervalMs);
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
