import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Where committed histories live: `<workflow>-<path>.json`, replayed by replay.test.ts. */
export const historiesDir = path.resolve(import.meta.dirname, '../histories');

const { History } = temporal.api.history.v1;

/**
 * A history as JSON in protobufjs's object form (enum names; int64 and bytes as strings). Not the SDK's
 * historyToJSON/historyFromJSON: in this install @temporalio/common and @temporalio/proto each carry
 * their own protobufjs copy, and those two functions refuse the other copy's types.
 */
export const historyToObject = (history: temporal.api.history.v1.IHistory) =>
  History.toObject(History.fromObject(history), { enums: String, longs: String, bytes: String });
export const historyFromObject = (json: unknown) => History.fromObject(json as Record<string, unknown>);

/** `npm run histories:record` sets this: the time-skipping tests then write the histories of their runs. */
export const recording = process.env.RECORD_HISTORIES === '1';

/**
 * Records the history of a run the test just drove (when recording), under `name`
 * (`<workflow>-<path>`). The run must be closed, or parked where the test left it.
 */
export async function keepHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!recording) return;
  const history = await handle.fetchHistory();
  writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(historyToObject(history), null, 1)}\n`);
}
