import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { NODE_PORT_STRIDE } from '../src/prod/local-topology';
import { postgresUrl } from '../src/prod/postgres-server';
import { nodePorts } from '../src/prod/temporal-config';
import { portAnswers } from '../src/temporal/dev-server';
import { childEnv, pollStatus, startScript, tail } from './support/children';
import {
  createTestPartner,
  ENCRYPTION_KEY,
  linkIn,
  mailTo,
  OPERATOR_KEY,
  requester,
  startTestEngine,
  waitFor,
  type Requester,
  type TestEngine,
} from './support/harness';
import { freePort, freePortBlock } from './support/ports';
import { startRealTemporal, type RealTemporal } from './support/real-temporal';

/**
 * The production topology itself: `npm run prod:local` as an operator runs it, and a Temporal
 * cluster of two server processes that loses one of them under load.
 */
const skip = inject('realTemporalSkip');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Invites the reseller and returns the link mailed to it, read from the outbox through the operator API. */
async function inviteByApi(request: Requester, providerKey: string, resellerEmail: string) {
  const invite = await request('POST', '/v1/invitations', { key: providerKey, body: { resellerEmail } });
  expect(invite.status, invite.text).toBe(202);
  const mail = await waitFor(
    async () => {
      const outbox = await request('GET', '/dev/outbox?format=json&limit=200', { key: OPERATOR_KEY });
      return (outbox.body.items as { to: string; text: string }[] | undefined)?.find(
        (message) => message.to === resellerEmail,
      );
    },
    { timeoutMs: 60_000, what: `the invitation mail to ${resellerEmail}` },
  );
  return { id: invite.body.id as string, link: linkIn(mail.text, '/invitations') };
}

describe.skipIf(Boolean(skip))(`npm run prod:local${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  it('brings up Postgres, two Temporal nodes, the UI, migrations, two workers and the API; restarts a killed worker; Ctrl-C stops everything', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'poe-prod-local-'));
    chmodSync(dataDir, 0o755); // Postgres runs as the postgres user and must reach DATA_DIR/prod/postgres.
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const block = await freePortBlock(NODE_PORT_STRIDE * 2 + 1);
    const ports = {
      temporal: block,
      postgres: block + NODE_PORT_STRIDE * 2,
      api: await freePort(),
      ui: await freePort(),
    };
    const base = `http://127.0.0.1:${ports.api}`;
    const launcher = startScript(
      'prod:local',
      childEnv({
        DATA_DIR: dataDir,
        PORT: String(ports.api),
        PUBLIC_BASE_URL: base,
        TEMPORAL_UI_PORT: String(ports.ui),
        LOCAL_TEMPORAL_PORT: String(ports.temporal),
        LOCAL_POSTGRES_PORT: String(ports.postgres),
        OPERATOR_API_KEY: OPERATOR_KEY,
        ENCRYPTION_KEY,
      }),
    );
    const banner = (await launcher.waitForOutput(/Processes\s+(.+)\n[\s\S]*Ctrl-C to stop\./, 300_000))[1]!;
    const pids = Object.fromEntries(
      banner
        .split(' ')
        .map((pair) => pair.split('=') as [string, string])
        .map(([name, pid]) => [name, Number(pid)]),
    );
    cleanups.push(() => Object.values(pids).forEach((pid) => alive(pid) && process.kill(-pid, 'SIGKILL')));
    expect(Object.keys(pids).sort()).toEqual([
      'api',
      'postgres',
      'temporal',
      'temporal-2',
      'temporal-ui',
      'worker-1',
      'worker-2',
    ]);
    for (const [name, pid] of Object.entries(pids)) {
      expect(alive(pid), `${name} is running`).toBe(true);
      expect(
        readFileSync(path.join(dataDir, 'prod', 'logs', `${name}.log`), 'utf8'),
        `${name} logs to its own file`,
      ).toMatch(/--- .* starting/);
    }
    expect(existsSync(path.join(dataDir, 'prod', 'logs', 'migrate.log'))).toBe(true);
    await pollStatus(`http://127.0.0.1:${ports.ui}/`, (status) => status === 200, 'the Temporal UI');

    // An invitation through the API; a worker is SIGKILLed while it is pending, and the other one carries on.
    const request = requester(base);
    const provider = await createTestPartner(request, { kind: 'provider' });
    const reseller = await createTestPartner(request, { kind: 'reseller' });
    const { id, link } = await inviteByApi(request, provider.apiKey, reseller.email);
    process.kill(pids['worker-1']!, 'SIGKILL');
    // As a converging client does: the answer is bounded (503 + Retry-After while the killed worker's
    // task times out), and a retry with the same Idempotency-Key attaches to the same accept.
    const idempotencyKey = randomUUID();
    let accepted = await request('POST', `${link.pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
      headers: { 'idempotency-key': idempotencyKey },
    });
    for (let attempt = 0; accepted.status === 503 && attempt < 10; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(accepted.headers.get('retry-after') ?? 1)));
      accepted = await request('POST', `${link.pathname}/accept`, {
        body: { partnerId: reseller.partnerId },
        headers: { 'idempotency-key': idempotencyKey },
      });
    }
    expect(accepted.status, accepted.text).toBe(200);
    expect((await request('GET', `/v1/invitations/${id}`, { key: provider.apiKey })).body.status).toBe('accepted');

    // The supervisor restarts the killed worker, which polls again.
    await launcher.waitForOutput(/worker-1 exited \(code null, signal SIGKILL\); restart #1/, 10_000);
    const workerLog = path.join(dataDir, 'prod', 'logs', 'worker-1.log');
    await waitFor(async () => (readFileSync(workerLog, 'utf8').match(/"msg":"worker running"/g) ?? []).length === 2, {
      timeoutMs: 120_000,
      what: 'worker-1 running again',
    });
    expect(alive(pids['worker-1']!)).toBe(false);

    // Ctrl-C in the terminal: SIGINT to the whole foreground group (npm and the launcher, which npm also
    // relays it to); the launcher stops every child in order.
    const exit = await launcher.stop('SIGINT', { group: true, timeoutMs: 120_000 });
    // npm re-raises the SIGINT once its script has exited (exit by signal); the launcher itself finished its stop.
    expect(exit.code === 0 || exit.signal === 'SIGINT', tail(launcher.output())).toBe(true);
    expect(launcher.output()).toMatch(/\[prod:local\] stopped\n/);
    for (const [name, pid] of Object.entries(pids)) expect(alive(pid), `${name} stopped`).toBe(false);
    for (const port of [ports.api, ports.ui, ports.temporal, ports.temporal + NODE_PORT_STRIDE + 1, ports.postgres])
      expect(await portAnswers(port), `port ${port} closed`).toBe(false);
    for (const name of ['api', 'worker-2', 'temporal', 'temporal-2', 'postgres']) {
      expect(readFileSync(path.join(dataDir, 'prod', 'logs', `${name}.log`), 'utf8'), `${name} exited cleanly`).toMatch(
        /exited \(code 0, signal null\)\n$/,
      );
    }
    console.info(`prod:local stopped ${exit.ms} ms after Ctrl-C`);
  }, 600_000);
});

describe.skipIf(Boolean(skip))(
  `two Temporal server processes in one cluster${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let real: RealTemporal;
    let engine: TestEngine;

    it('the second node joins through the shared database, and losing it mid-load loses no invitation', async () => {
      real = await startRealTemporal({ nodes: 2, label: 'two-nodes' });
      cleanups.push(() => real.stop());
      engine = await startTestEngine({ env: { TEMPORAL_ADDRESS: real.address } });
      cleanups.push(() => engine.stop());

      // Membership: both nodes' history and matching services are in the cluster_membership table.
      const secondNode = nodePorts(real.cluster.nodes[1]!.basePort);
      const database = postgres(postgresUrl(real.postgres, real.cluster.databases.persistence), { max: 1 });
      cleanups.push(() => database.end({ timeout: 1 }));
      const members = async () =>
        database<
          { rpc_port: number }[]
        >`select rpc_port from cluster_membership where record_expiry > now() and rpc_port in (${secondNode.membership('history')}, ${secondNode.membership('matching')})`;
      await waitFor(async () => (await members()).length === 2, {
        timeoutMs: 60_000,
        what: 'the second node in cluster_membership',
      });

      const count = 24;
      const provider = await createTestPartner(engine.request, { kind: 'provider' });
      const resellers = await Promise.all(
        Array.from({ length: count }, () => createTestPartner(engine.request, { kind: 'reseller' })),
      );
      /** POST /v1/invitations, retried with the same Idempotency-Key while the cluster answers 503. */
      const invite = (email: string) => {
        const key = randomUUID();
        return waitFor(
          async () => {
            const reply = await engine.request('POST', '/v1/invitations', {
              key: provider.apiKey,
              body: { resellerEmail: email },
              headers: { 'idempotency-key': key },
            });
            return reply.status === 503 ? undefined : reply;
          },
          { timeoutMs: 120_000, what: `the invitation to ${email}` },
        );
      };

      const firstHalf = await Promise.all(resellers.slice(0, count / 2).map((reseller) => invite(reseller.email)));
      const secondHalf = Promise.all(resellers.slice(count / 2).map((reseller) => invite(reseller.email)));
      await real.nodes[1]!.kill();
      const invites = [...firstHalf, ...(await secondHalf)];
      for (const reply of invites) expect(reply.status, reply.text).toBe(202);

      await Promise.all(
        resellers.map(async (reseller) => {
          const mail = await waitFor(async () => (await mailTo(engine, reseller.email))[0], {
            timeoutMs: 120_000,
            what: `the mail to ${reseller.email}`,
          });
          const link = linkIn(mail.text, '/invitations');
          // One key across the retries: an accept whose answer was lost with the node is answered again, not refused as busy.
          const key = randomUUID();
          const accepted = await waitFor(
            async () => {
              const reply = await engine.request('POST', `${link.pathname}/accept`, {
                body: { partnerId: reseller.partnerId },
                headers: { 'idempotency-key': key },
              });
              return reply.status === 503 ? undefined : reply;
            },
            { timeoutMs: 120_000, what: `the accept of ${reseller.email}` },
          );
          expect(accepted.status, accepted.text).toBe(200);
        }),
      );
      const listed = await engine.request('GET', '/v1/invitations?status=accepted&limit=100', { key: provider.apiKey });
      expect(listed.status).toBe(200);
      expect(new Set((listed.body.items as { id: string }[]).map((item) => item.id))).toEqual(
        new Set(invites.map((reply) => reply.body.id)),
      );
      const partnerships = await engine.request('GET', '/v1/partnerships?limit=100', { key: provider.apiKey });
      expect(partnerships.body.items).toHaveLength(count);
      expect(await portAnswers(secondNode.grpc('history'))).toBe(false);
    }, 600_000);
  },
);
