import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery } from '../workflows/invitation.messages';
import { createTestPartner, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { invite } from './support/invitations';

/**
 * The Temporal UI's "Stack Trace" tab asks a running workflow where it waits (the `__stack_trace` and
 * `__enhanced_stack_trace` queries). The worker records a call stack for each promise a workflow
 * creates, mapped through the bundle's source map to the workflow's own files.
 */
let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

/** The line (1-based) of workflows/invitation.ts where a fresh invitation waits for its reminder time. */
const waitLine =
  readFileSync(path.resolve(import.meta.dirname, '../workflows/invitation.ts'), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('await condition(interrupted, reminderAt - Date.now())')) + 1;

type EnhancedStackTrace = {
  stacks: Array<{ locations: Array<{ file_path?: string; function_name?: string; line?: number }> }>;
};

describe('the stack trace of a waiting workflow', () => {
  it('names, through the source map, the line of workflows/invitation.ts where a pending invitation waits, in both queries', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const { invitation } = await invite(engine, provider, `stack-${Date.now()}@example.test`);
    const handle = engine.deps.temporal.workflow.getHandle(invitation.workflowId);
    // The mail is out before its step returns; once the run counts the link sent, it is at the wait.
    await waitFor(async () => (await handle.query(statusQuery)).linksSent === 1, { what: 'the link counted as sent' });

    const text = await handle.query<string>('__stack_trace');
    expect(text).toMatch(
      new RegExp(
        `at condition \\(.*@temporalio/workflow/src/workflow\\.ts:\\d+:\\d+\\)\\n.*workflows/invitation\\.ts:${waitLine}:\\d+\\)`,
      ),
    );

    const enhanced = await handle.query<EnhancedStackTrace>('__enhanced_stack_trace');
    const frames = enhanced.stacks.flatMap((stack) => stack.locations);
    expect(frames).toContainEqual(
      expect.objectContaining({
        file_path: expect.stringMatching(/workflows\/invitation\.ts$/),
        line: waitLine,
      }),
    );
    expect(frames).toContainEqual(expect.objectContaining({ function_name: 'condition' }));
  });
});
