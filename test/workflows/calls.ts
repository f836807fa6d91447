/** One activity call as a fake saw it: its name and its (single) argument. */
export type Call = { name: string; input: unknown };

/**
 * Wraps activity fakes so each call is recorded, in order, before the fake runs: a test asserts on
 * which activities ran with which arguments (and which did not), never on timing.
 */
export function recordCalls<T extends Record<string, (...args: never[]) => Promise<unknown>>>(fakes: T) {
  const calls: Call[] = [];
  const activities = Object.fromEntries(
    Object.entries(fakes).map(([name, fake]) => [
      name,
      (...args: never[]) => {
        calls.push({ name, input: args[0] });
        return fake(...args);
      },
    ]),
  ) as T;
  return {
    activities,
    calls,
    /** The names of the activities called, in order. */
    names: () => calls.map((call) => call.name),
    /** The argument of each call of one activity, in order. */
    inputsOf: (name: keyof T & string) => calls.filter((call) => call.name === name).map((call) => call.input),
  };
}
