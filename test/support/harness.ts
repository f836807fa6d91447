import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, requireSecrets } from '../../src/config';
import { openDatabase, type DbHandle } from '../../src/db/client';
import { seedCatalog } from '../../src/db/seed';
import { createLogger, type Logger } from '../../src/logger';
import { startEngine, type Engine } from '../../src/main/engine';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../src/temporal/codec';
import type { ActivityTestHooks } from '../../activities';
import { freePort } from './ports';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';
export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

let sharedDatabase: Promise<DbHandle> | undefined;

/** The test database: the run's fresh Postgres database, or one embedded PGlite per test file. */
export function testDatabase(): Promise<DbHandle> {
  sharedDatabase ??= (async () => {
    const databaseUrl = inject('databaseUrl') || undefined;
    const database = await openDatabase({
      databaseUrl,
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'poe-pglite-')),
      maxConnections: 20,
    });
    if (database.kind === 'pglite') {
      await database.migrate();
      await seedCatalog(database.db);
    }
    return database;
  })();
  return sharedDatabase;
}

export type TestEngine = Engine & {
  url: string;
  request: Requester;
  taskQueue: string;
  /** The engine's "unhandled error" log lines (500s), when the test brought no logger of its own. */
  unhandledErrors: readonly string[];
};

/**
 * A logger silent but for the engine's "unhandled error" lines (each one a 500), the last 20 kept in
 * `causes`, so that a reply answered 500 carries its logged cause (see `requester`).
 */
export function unhandledErrorCapture(): { logger: Logger; causes: string[] } {
  const causes: string[] = [];
  const logger = createLogger('error', {
    write: (line: string) => {
      if (!line.includes('"unhandled error"')) return;
      causes.push(line);
      if (causes.length > 20) causes.shift();
    },
  });
  return { logger, causes };
}

export type StartOptions = {
  env?: Record<string, string>;
  taskQueue?: string;
  runApi?: boolean;
  runWorker?: boolean;
  activityTestHooks?: ActivityTestHooks;
  /** Capture the engine's log lines (pino with a destination); silent by default. */
  logger?: Logger;
  /** A database handle of the test's own (e.g. with a recognisable application_name). */
  database?: DbHandle;
  /** As `npm start`: /dev/outbox open without a key. */
  devMode?: boolean;
};

/**
 * Starts the real API and worker against the run's Temporal dev server and test database, on a
 * task queue of their own so test files do not take each other's work.
 */
export async function startTestEngine(options: StartOptions = {}): Promise<TestEngine> {
  const port = await freePort();
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const config = requireSecrets(
    loadConfig({
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      OPERATOR_API_KEY: OPERATOR_KEY,
      ENCRYPTION_KEY,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SUBMIT_WAIT: '20s',
      // The mail relay takes every due message in the database, and test files share one: a relay
      // passing often would send other files' mail to its own SMTP server. Relay tests set their own.
      MAIL_RELAY_INTERVAL: '1h',
      ...options.env,
    }),
  );
  const database = options.database ?? (await testDatabase());
  // The engine's log: the test's own logger; else TEST_LOG_LEVEL's on stdout; else its 500s' causes only.
  const { logger, causes } = options.logger
    ? { logger: options.logger, causes: [] }
    : process.env.TEST_LOG_LEVEL
      ? { logger: createLogger(process.env.TEST_LOG_LEVEL), causes: [] }
      : unhandledErrorCapture();
  const engine = await startEngine({
    config,
    runApi: options.runApi ?? true,
    runWorker: options.runWorker ?? true,
    activityTestHooks: options.activityTestHooks,
    devMode: options.devMode,
    database,
    listenPort: port,
    workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
    logger,
  });
  const url = engine.url ?? `http://127.0.0.1:${port}`;
  return { ...engine, url, request: requester(url, causes), taskQueue, unhandledErrors: causes };
}

export type Reply<T = any> = { status: number; body: T; headers: Headers; text: string };
export type Requester = <T = any>(
  method: string,
  pathname: string,
  options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
) => Promise<Reply<T>>;

/**
 * `causes`: the engine's "unhandled error" log lines (unhandledErrorCapture). A reply answered 500 gets the one
 * with its request id appended to its `text`, so `expect(reply.status, reply.text)` names the cause.
 */
export function requester(base: string, causes?: readonly string[]): Requester {
  return async (method, pathname, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body);
    } else if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
    }
    const send = () => fetch(new URL(pathname, base), { method, headers, body });
    // A kept-alive socket the API closed as idle just as a read went out on it ("other side closed":
    // seen once in CI, a /readyz probe while a restarting Temporal server held both cores): a read is
    // sent again once, on a new socket. Writes are not: the test decides what a lost answer means.
    const response = await send().catch((error: Error & { cause?: { code?: string } }) => {
      if ((method === 'GET' || method === 'HEAD') && error.cause?.code === 'UND_ERR_SOCKET') return send();
      throw error;
    });
    let text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML pages and plain text stay as text.
    }
    const requestId = response.headers.get('x-request-id');
    const cause = response.status === 500 && requestId ? causes?.find((line) => line.includes(requestId)) : undefined;
    if (cause) text += `\nthe engine logged: ${cause}`;
    return { status: response.status, body: parsed as never, headers: response.headers, text };
  };
}

export const uniquePartnerId = () => String(randomInt(1_000_000_000, 9_999_999_999));
export const uniqueEmail = (label = 'partner') => `${label}-${randomBytes(5).toString('hex')}@example.test`;

export type TestPartner = {
  id: string;
  partnerId: string;
  email: string;
  country: string;
  name: string;
  apiKey: string;
};

/** Registers a partner through the operator API, as a distributor's operator would. */
export async function createTestPartner(
  request: Requester,
  params: { kind: 'provider' | 'reseller'; country?: string; cspEnrolled?: boolean; email?: string; name?: string },
): Promise<TestPartner> {
  const response = await request('POST', '/v1/partners', {
    key: OPERATOR_KEY,
    body: {
      kind: params.kind,
      name: params.name ?? `${params.kind} ${randomBytes(3).toString('hex')}`,
      email: params.email ?? uniqueEmail(params.kind),
      partnerId: uniquePartnerId(),
      country: params.country ?? 'ES',
      ...(params.kind === 'reseller' ? { cspEnrolled: params.cspEnrolled ?? true } : {}),
    },
  });
  if (response.status !== 201) throw new Error(`creating a partner failed: ${response.status} ${response.text}`);
  return { ...response.body.partner, apiKey: response.body.apiKey };
}

/** Mail in the outbox for one recipient, newest first. */
export async function mailTo(engine: Engine, recipient: string) {
  const messages = await engine.deps.mailer.recent(200);
  return messages.filter((message) => message.to.toLowerCase() === recipient.toLowerCase());
}

/** The first link in a mail body whose path starts with the given prefix. */
export function linkIn(text: string, prefix: string): URL {
  const match = new RegExp(`https?://[^\\s]+${prefix}/[A-Za-z0-9_-]+`).exec(text);
  if (!match) throw new Error(`no ${prefix} link in:\n${text}`);
  return new URL(match[0]);
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Decodes every payload in a workflow's history, so tests can search it for plaintext. */
export async function historyText(engine: Engine, workflowId: string): Promise<string> {
  return bytesAsText(await engine.deps.temporal.workflow.getHandle(workflowId).fetchHistory());
}

/**
 * JSON of a history with every payload's bytes as UTF-8 text. The proto message's own toJSON turns
 * bytes into base64 strings before the replacer sees them, so `data` fields are decoded back here;
 * without that, a search for plaintext would only ever look at base64.
 */
function bytesAsText(history: unknown): string {
  return JSON.stringify(history, (key, value) => {
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (value && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data))
      return Buffer.from(value.data).toString('utf8');
    return value;
  });
}

/**
 * Like historyText, with the encrypted payloads opened through the engine's codec first: for tests
 * that assert something IS in a workflow's history.
 */
export async function decodedHistoryText(engine: Engine, workflowId: string): Promise<string> {
  const history = await engine.deps.temporal.workflow.getHandle(workflowId).fetchHistory();
  const codec = new EncryptionCodec(engine.deps.keyRing);
  const isEncrypted = (value: any) =>
    value?.metadata?.encoding && Buffer.from(value.metadata.encoding).toString('utf8') === ENCRYPTED_ENCODING;
  const open = async (node: any): Promise<void> => {
    if (!node || typeof node !== 'object' || node instanceof Uint8Array) return;
    for (const [key, value] of Object.entries(node)) {
      if (isEncrypted(value)) node[key] = (await codec.decode([value as never]))[0];
      else await open(value);
    }
  };
  await open(history);
  return bytesAsText(history);
}
