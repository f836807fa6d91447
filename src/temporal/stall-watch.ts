/** How long a worker's workflow activations may all stand still before it counts as stalled. */
export const workflowStallMs = 30_000;

/** What the watch reads: the SDK's count of activations in flight (Worker.numInFlightActivations$). */
export type InFlightCount = { subscribe(next: (count: number) => void): { unsubscribe(): void } };

export type WorkflowStall = { inFlight: number; stalledMs: number };

/**
 * Stands in for the SDK's guard on workflow code when WORKER_ISOLATE_TIMEOUT is off. Without it, a workflow
 * stuck in a synchronous loop holds the worker's one workflow thread for good: no activation of any run
 * completes again, while their count in flight stays above zero. After `stallMs` of that, `onStall`
 * is called once (the engine logs it and exits, for the supervisor to start a fresh worker; the tasks
 * it held time out on the server and go to another worker). Normal work completes activations every
 * few milliseconds; an idle worker has none in flight. Returns a function that stops the watch.
 */
export function watchWorkflowThread(
  inFlight: InFlightCount,
  options: { stallMs: number; onStall: (stall: WorkflowStall) => void },
): () => void {
  let count = 0;
  let progressAt = Date.now();
  let reported = false;
  const subscription = inFlight.subscribe((next) => {
    // One finished (the count fell), or work began on an idle worker: the clock starts again.
    if (next < count || count === 0) progressAt = Date.now();
    count = next;
  });
  const timer = setInterval(() => {
    const stalledMs = Date.now() - progressAt;
    if (reported || count === 0 || stalledMs < options.stallMs) return;
    reported = true;
    options.onStall({ inFlight: count, stalledMs });
  }, 1_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    subscription.unsubscribe();
  };
}
