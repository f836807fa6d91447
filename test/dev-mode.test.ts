import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createLogger, createProcessLogger, resolveLogFormat } from '../src/logger';
import { bundlerLogger } from '../src/temporal/worker';

/** What a developer sees running the engine: readable logs at a terminal, JSON for machines, no build report. */

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    }),
    { isTTY },
  );
  return { stream, output: () => chunks.join('') };
}

describe('log format', () => {
  it('is pretty at a terminal or with LOG_FORMAT=pretty, JSON in a pipe or with LOG_FORMAT=json, and always JSON in production', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'fancy' })).toThrow(/LOG_FORMAT/);
  });

  it('writes one human-readable line per event at a terminal, with the fields and the same redaction', () => {
    const terminal = capture(true);
    createProcessLogger({ logLevel: 'info' }, terminal.stream).info(
      { invitationId: 'inv-1', token: 'secret-token' },
      'invitation sent',
    );
    const line = terminal.output();
    expect(() => JSON.parse(line)).toThrow();
    expect(line).toMatch(/INFO/);
    expect(line).toContain('invitation sent');
    expect(line).toContain('inv-1');
    expect(line).not.toContain('secret-token');
  });

  it('writes JSON lines into a pipe', () => {
    const pipe = capture(false);
    createProcessLogger({ logLevel: 'info' }, pipe.stream).info({ invitationId: 'inv-2' }, 'invitation sent');
    expect(JSON.parse(pipe.output())).toMatchObject({ level: 30, msg: 'invitation sent', invitationId: 'inv-2' });
  });
});

describe('the workflow bundler', () => {
  it("reports at debug level only, so webpack's report stays out of an info-level log", () => {
    const lines: Array<{ level: number; msg: string; component?: string }> = [];
    const destination = { write: (chunk: string) => void lines.push(JSON.parse(chunk)) };
    bundlerLogger(createLogger('info', destination)).info('Workflow bundle created', { size: '1.2MB' });
    expect(lines).toEqual([]);
    bundlerLogger(createLogger('debug', destination)).info('Workflow bundle created', { size: '1.2MB' });
    expect(lines).toMatchObject([
      { level: 20, msg: 'Workflow bundle created', component: 'workflow-bundler', size: '1.2MB' },
    ]);
  });
});
