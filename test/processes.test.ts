import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  createTestPartner,
  ENCRYPTION_KEY,
  linkIn,
  OPERATOR_KEY,
  requester,
  uniqueEmail,
  waitFor,
} from './support/harness';
import { portAnswers } from '../src/temporal/dev-server';
import { childEnv, pollStatus, processesMatching, startEntry, STARTUP_MS, tail } from './support/children';
import { freePort } from './support/ports';
import { topologies, topologyTitle } from './support/topologies';
import { waitForPollers } from '../src/prod/temporal-cluster';

/**
 * The product as it is really run: `npm start` (src/main/dev.ts) and the production processes
 * (src/main/worker.ts, src/main/api.ts), each a child process started with `node --import tsx`, as the
 * package.json scripts do. Nothing here calls the engine in-process.
 */

describe('dev mode (npm start): everything in one process, nothing configured', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'poe-devmode-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  let ports: { api: number; temporal: number; ui: number };
  let keys: { operator: string; provider: string; reseller: string };
  let invitationId: string;

  const devEnv = () =>
    childEnv({
      DATA_DIR: dataDir,
      PORT: String(ports.api),
      TEMPORAL_DEV_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      // Else the CLI is found on PATH or under .tools/, as on a developer's machine.
      TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH || undefined,
    });

  async function startDev(label: string) {
    const child = startEntry('dev', devEnv(), label);
    await child.waitForOutput(/Ctrl-C to stop\./, STARTUP_MS);
    const banner = child.output();
    const key = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(banner)?.[1];
    return {
      child,
      banner,
      keys: {
        operator: key('Operator key')!,
        provider: key('Demo provider key')!,
        reseller: key('Demo reseller key')!,
      },
    };
  }

  it('starts its own Temporal server with the UI and embedded Postgres, prints the URLs and demo keys, and serves the API', async () => {
    ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
    const { child, banner, keys: printed } = await startDev('dev (first run)');
    keys = printed;

    const base = `http://localhost:${ports.api}`;
    expect(banner).toMatch(new RegExp(`API\\s+${base}\\n`));
    expect(banner).toMatch(new RegExp(`API docs\\s+${base}/docs\\n`));
    expect(banner).toMatch(new RegExp(`Temporal UI\\s+http://localhost:${ports.ui}\\n`));
    expect(banner).toMatch(new RegExp(`Outbox \\(mail\\)\\s+${base}/dev/outbox\\n`));
    expect(banner).toMatch(/embedded PGlite/);
    expect(keys.operator).toMatch(/^op_\S{24,}$/);
    expect(keys.provider).toMatch(/^poe_\S+$/);
    expect(keys.reseller).toMatch(/^poe_\S+$/);
    expect(banner).toMatch(/Demo provider key\s+\S+\s+\(Contoso Distribution, partnerId 1000001/);
    expect(banner).toMatch(/Demo reseller key\s+\S+\s+\(Fabrikam IT Services, partnerId 2000001/);

    // The dev server is a child of this process, persisting to DATA_DIR.
    const temporalPids = processesMatching([
      'start-dev',
      String(ports.temporal),
      path.resolve(dataDir, 'temporal.sqlite'),
    ]);
    if (existsSync('/proc')) expect(temporalPids).toHaveLength(1);

    const api = `http://127.0.0.1:${ports.api}`;
    const request = requester(api);
    expect((await request('GET', '/healthz')).status).toBe(200);
    await pollStatus(`${api}/readyz`, (status) => status === 200, 'readyz 200');
    const docs = await request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    await pollStatus(`http://127.0.0.1:${ports.ui}/`, (status) => status < 500, 'the Temporal UI answering HTTP');

    const offers = await request('GET', '/v1/offers', { key: keys.provider });
    expect(offers.status).toBe(200);
    expect(offers.body.items.length).toBeGreaterThanOrEqual(8);

    const invite = await request('POST', '/v1/invitations', {
      key: keys.provider,
      body: { resellerEmail: uniqueEmail('devmode') },
    });
    expect(invite.status, invite.text).toBe(202);
    expect(invite.body).toMatchObject({ status: 'pending', workflowId: `invitation-${invite.body.id}` });
    invitationId = invite.body.id;

    // SIGINT to dev.ts alone (kill -INT <pid>): it must stop its Temporal dev server itself.
    const exit = await child.stop('SIGINT', { timeoutMs: 30_000 });
    expect(exit, tail(child.output())).toMatchObject({ code: 0, signal: null });
    expect(await portAnswers(ports.api)).toBe(false);
    expect(await portAnswers(ports.temporal)).toBe(false);
    expect(await portAnswers(ports.ui)).toBe(false);
    await waitFor(
      async () =>
        temporalPids.every((pid) => processesMatching(['start-dev', String(ports.temporal)]).indexOf(pid) === -1),
      {
        timeoutMs: 5_000,
        what: 'the Temporal dev server process to be gone',
      },
    );
    console.info(`dev mode: first run stopped ${exit.ms} ms after SIGINT`);
  });

  it('a second start on the same DATA_DIR prints the same keys and the pending invitation workflow carries on', async () => {
    expect(invitationId, 'needs the first run').toBeDefined();
    const { child, keys: again } = await startDev('dev (second run)');
    expect(again).toEqual(keys);

    const api = `http://127.0.0.1:${ports.api}`;
    const request = requester(api);
    await pollStatus(`${api}/readyz`, (status) => status === 200, 'readyz 200');
    const invitation = await request('GET', `/v1/invitations/${invitationId}`, { key: keys.provider });
    expect(invitation.status).toBe(200);
    expect(invitation.body.status).toBe('pending');

    // Resend is an Update the running workflow must handle (its activity mails a new link):
    // a 200 means the run survived the restart, history in DATA_DIR/temporal.sqlite.
    const before = invitation.body.linkSentCount as number;
    const resent = await request('POST', `/v1/invitations/${invitationId}/resend`, { key: keys.provider });
    expect(resent.status, resent.text).toBe(200);
    expect(resent.body).toMatchObject({ id: invitationId, status: 'pending' });
    expect(resent.body.linkSentCount).toBeGreaterThan(before);

    // Ctrl-C in a terminal: SIGINT reaches the whole process group, the Temporal server included.
    const exit = await child.stop('SIGINT', { group: true, timeoutMs: 30_000 });
    expect(exit, tail(child.output())).toMatchObject({ code: 0, signal: null });
    expect(await portAnswers(ports.api)).toBe(false);
    expect(await portAnswers(ports.temporal)).toBe(false);
    expect(processesMatching(['start-dev', String(ports.temporal)])).toEqual([]);
    console.info(`dev mode: second run stopped ${exit.ms} ms after Ctrl-C`);
  });
});

const databaseUrl = inject('databaseUrl');
const temporalAddress = inject('temporalAddress');

// Without DATABASE_URL there is no database several processes can share (PGlite is embedded in one process).
describe.each(topologies())('$name', (topology) => {
  const skip =
    topology.skip ??
    (databaseUrl
      ? undefined
      : 'DATABASE_URL is unset and an embedded PGlite database cannot be shared across processes');
  describe.skipIf(Boolean(skip))(
    topologyTitle('production mode: separate worker and API processes against real servers', { ...topology, skip }),
    () => {
      it('two workers and an API run an invitation from invite to accept, and all exit 0 on SIGTERM', async () => {
        const taskQueue = `processes-${randomUUID()}`;
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const env = childEnv({
          TEMPORAL_ADDRESS: topology.temporalAddress,
          DATABASE_URL: databaseUrl,
          OPERATOR_API_KEY: OPERATOR_KEY,
          ENCRYPTION_KEY,
          TEMPORAL_TASK_QUEUE: taskQueue,
          PORT: String(port),
          PUBLIC_BASE_URL: base,
        });
        const workers = [startEntry('worker', env, 'worker 1'), startEntry('worker', env, 'worker 2')];
        const api = startEntry('api', env, 'api');
        await Promise.all([
          ...workers.map((worker) => worker.waitForOutput(/"msg":"worker running"/, STARTUP_MS)),
          api.waitForOutput(/"msg":"API listening"/, STARTUP_MS),
        ]);
        await pollStatus(`${base}/readyz`, (status) => status === 200, 'readyz 200');

        // Both worker processes poll the task queue.
        await waitForPollers(topology.temporalAddress, 'default', taskQueue, 2, 20_000);

        const request = requester(base);
        const provider = await createTestPartner(request, { kind: 'provider' });
        const reseller = await createTestPartner(request, { kind: 'reseller' });
        const invite = await request('POST', '/v1/invitations', {
          key: provider.apiKey,
          body: { resellerEmail: reseller.email },
        });
        expect(invite.status, invite.text).toBe(202);

        // Outside dev mode the outbox is the operator's.
        expect((await request('GET', '/dev/outbox?format=json')).status).toBe(401);
        const mail = await waitFor(
          async () => {
            const outbox = await request('GET', '/dev/outbox?format=json&limit=200', { key: OPERATOR_KEY });
            expect(outbox.status).toBe(200);
            return (outbox.body.items as { to: string; text: string }[]).find(
              (m) => m.to === reseller.email && m.text.includes('/invitations/'),
            );
          },
          { timeoutMs: 30_000, what: 'the invitation mail in the outbox' },
        );
        const link = linkIn(mail.text, '/invitations');
        expect(link.origin).toBe(base);
        const accepted = await request('POST', `${link.pathname}/accept`, { body: { partnerId: reseller.partnerId } });
        expect(accepted.status, accepted.text).toBe(200);
        expect(accepted.body).toMatchObject({
          status: 'accepted',
          partnership: { status: 'active', provider: { id: provider.id }, reseller: { id: reseller.id } },
        });
        const after = await request('GET', `/v1/invitations/${invite.body.id}`, { key: provider.apiKey });
        expect(after.body.status).toBe('accepted');

        const exits = await Promise.all([api, ...workers].map((child) => child.stop('SIGTERM', { timeoutMs: 30_000 })));
        for (const [index, child] of [api, ...workers].entries()) {
          expect(exits[index], `${child.name}:\n${tail(child.output())}`).toMatchObject({ code: 0, signal: null });
        }
        expect(await portAnswers(port)).toBe(false);
        console.info(`production mode: exits after SIGTERM ${exits.map((exit) => `${exit.ms} ms`).join(', ')}`);
      });
    },
  );
});

describe.concurrent('production mode refuses to start on bad configuration, naming the variable', () => {
  const base = () => ({
    TEMPORAL_ADDRESS: temporalAddress,
    // Never reached: configuration is checked before any connection is opened.
    DATABASE_URL: databaseUrl || 'postgres://nobody@127.0.0.1:1/none',
    OPERATOR_API_KEY: OPERATOR_KEY,
    ENCRYPTION_KEY,
    TEMPORAL_TASK_QUEUE: `processes-${randomUUID()}`,
    PORT: '3999',
  });
  const cases: { entry: 'api' | 'worker'; what: string; env: Record<string, string | undefined>; names: RegExp }[] = [
    { entry: 'api', what: 'PORT=abc', env: { PORT: 'abc' }, names: /Invalid configuration:[\s\S]*\bPORT\b/ },
    {
      entry: 'api',
      what: 'INVITATION_TTL=soon',
      env: { INVITATION_TTL: 'soon' },
      names: /Invalid configuration:[\s\S]*\bINVITATION_TTL\b[\s\S]*"soon"/,
    },
    {
      entry: 'api',
      what: 'OPERATOR_API_KEY missing',
      env: { OPERATOR_API_KEY: undefined },
      names: /Missing configuration: OPERATOR_API_KEY/,
    },
    {
      entry: 'worker',
      what: 'OPERATOR_API_KEY missing',
      env: { OPERATOR_API_KEY: undefined },
      names: /Missing configuration: OPERATOR_API_KEY/,
    },
  ];
  for (const { entry, what, env, names } of cases) {
    it(`src/main/${entry}.ts with ${what} exits non-zero and says which variable`, async () => {
      const child = startEntry(entry, childEnv({ ...base(), ...env }), `${entry} (${what})`);
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        child.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${child.name} still running after 45 s:\n${tail(child.output())}`)),
            45_000,
          );
        }),
      ]);
      clearTimeout(timer);
      expect(exit.code, child.output()).not.toBe(0);
      expect(exit.code, child.output()).not.toBeNull();
      expect(child.output()).toMatch(names);
      // A message for the operator, not a crash: no stack trace.
      expect(child.output()).not.toMatch(/^\s+at /m);
    });
  }
});
