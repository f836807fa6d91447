/** An error and the causes it wraps, outermost first (Temporal and Drizzle both nest the real one). */
export function* causeChain(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  for (
    let cause = error;
    cause && typeof cause === 'object' && !seen.has(cause);
    cause = (cause as { cause?: unknown }).cause
  ) {
    seen.add(cause);
    yield cause as Record<string, unknown>;
  }
}

/** The outermost error of the chain that `matches`, if any. */
export function findCause<T>(error: unknown, matches: (cause: unknown) => cause is T): T | undefined {
  for (const cause of causeChain(error)) if (matches(cause)) return cause;
  return undefined;
}
