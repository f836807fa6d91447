import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createLogger, createProcessLogger, resolveLogFormat } from '../src/logger';
import { ensureTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';
import { bundlerLogger } from '../src/temporal/worker';
import { freePort } from './support/ports';

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

describe('the dev server npm start runs', () => {
  it('is handed over only once it serves the namespace, though its port listens before gRPC answers', async () => {
    // A cold start on a loaded machine accepts TCP long before the frontend answers; a client's
    // connect gives up after 10 s. The wrapper reproduces that: a silent listener on the port for
    // 12 s, then the real server.
    const dir = mkdtempSync(path.join(tmpdir(), 'slow-temporal-'));
    const wrapper = path.join(dir, 'temporal');
    const silent = [
      "const net = require('node:net'); const open = new Set();",
      "const server = net.createServer((socket) => { open.add(socket); socket.on('error', () => {}); });",
      "server.listen(Number(process.argv[1]), '127.0.0.1');",
      'setTimeout(() => { for (const socket of open) socket.destroy(); server.close(); }, 12000);',
    ].join(' ');
    writeFileSync(
      wrapper,
      [
        '#!/bin/bash',
        'port=; prev=; for arg in "$@"; do [ "$prev" = --port ] && port=$arg; prev=$arg; done',
        `${JSON.stringify(process.execPath)} -e ${JSON.stringify(silent)} "$port" || exit 1`,
        `exec ${JSON.stringify(ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined }))} "$@"`,
      ].join('\n'),
      { mode: 0o755 },
    );
    const server = await startDevServer({ binary: wrapper, port: await freePort(), namespace: 'default' });
    try {
      const connection = await Connection.connect({ address: server.address });
      await expect(connection.workflowService.describeNamespace({ namespace: 'default' })).resolves.toBeDefined();
      await connection.close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
