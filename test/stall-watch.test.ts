import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchWorkflowThread, type InFlightCount, type WorkflowStall } from '../src/temporal/stall-watch';

/** The SDK's in-flight activation count as the watch sees it: a value that changes, pushed to subscribers. */
function inFlightCount() {
  const listeners = new Set<(count: number) => void>();
  let value = 0;
  const count: InFlightCount = {
    subscribe(next) {
      listeners.add(next);
      next(value);
      return { unsubscribe: () => listeners.delete(next) };
    },
  };
  return {
    count,
    set(next: number) {
      value = next;
      for (const listener of listeners) listener(next);
    },
  };
}

describe('the workflow thread stall watch (WORKER_ISOLATE_TIMEOUT=off)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const watch = (count: InFlightCount, stalls: WorkflowStall[]) =>
    watchWorkflowThread(count, { stallMs: 30_000, onStall: (stall) => stalls.push(stall) });

  it('reports once when activations stay in flight and none completes for the stall time', () => {
    const activations = inFlightCount();
    const stalls: WorkflowStall[] = [];
    const stop = watch(activations.count, stalls);
    activations.set(1);
    vi.advanceTimersByTime(10_000);
    // More arrive behind the stuck one; arrivals are not progress.
    activations.set(3);
    vi.advanceTimersByTime(19_000);
    expect(stalls).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(stalls).toEqual([{ inFlight: 3, stalledMs: 30_000 }]);
    vi.advanceTimersByTime(60_000);
    expect(stalls).toHaveLength(1);
    stop();
  });

  it('stays quiet while activations keep completing, however many are in flight, and while idle', () => {
    const activations = inFlightCount();
    const stalls: WorkflowStall[] = [];
    const stop = watch(activations.count, stalls);
    for (let second = 0; second < 120; second += 1) {
      activations.set(40);
      vi.advanceTimersByTime(500);
      activations.set(39);
      vi.advanceTimersByTime(500);
    }
    activations.set(0);
    vi.advanceTimersByTime(600_000);
    expect(stalls).toEqual([]);
    stop();
  });

  it('starts the clock when work arrives on an idle worker, and stops watching when stopped', () => {
    const activations = inFlightCount();
    const stalls: WorkflowStall[] = [];
    const stop = watch(activations.count, stalls);
    vi.advanceTimersByTime(600_000);
    activations.set(1);
    vi.advanceTimersByTime(29_000);
    expect(stalls).toEqual([]);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(stalls).toEqual([]);
  });
});
