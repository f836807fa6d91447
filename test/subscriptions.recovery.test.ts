import { spawn } from 'node:child_process';
import path from 'node:path';
import { and, eq, inArray, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { mailOutbox, subscriptionCharges, subscriptions } from '../src/db/schema';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import {
  ENCRYPTION_KEY,
  OPERATOR_KEY,
  startTestEngine,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { OFFERS } from './support/catalog';
import { apiClient } from './support/client';
import { finishedOrder } from './support/orders';

/**
 * Money is recorded once whatever happens to the worker: a step that fails after committing is
 * retried without a second row, and a worker process killed (SIGKILL) at random moments during
 * billing and renewals leaves neither a duplicate nor a missing charge or notice.
 */
const lifecycleEnv = {
  SUBSCRIPTION_MONTH: '2s',
  CANCELLATION_WINDOW: '500ms',
  RENEWAL_NOTICE: '1s',
  EXPIRED_GRACE: '1h',
  DISABLED_GRACE: '1h',
};

async function orderSubscriptions(
  engine: TestEngine,
  provider: TestPartner,
  customerId: string,
  offers: string[],
): Promise<string[]> {
  const placed = await engine.request('POST', `/v1/customers/${customerId}/orders`, {
    key: provider.apiKey,
    body: { items: offers.map((offerId) => ({ offerId, quantity: 3, term: 'P1M' })) },
  });
  expect(placed.status).toBe(202);
  const order = await finishedOrder(apiClient(engine.request, provider.apiKey), placed.body.id, 90_000);
  expect(order.status).toBe('completed');
  return order.subscriptions.map((subscription) => subscription.id);
}

/** Stops the renewals (autoRenew off), waits for the expiry, then checks one charge and one notice per term, none missing. */
async function expectEachTermRecordedOnce(
  engine: TestEngine,
  provider: TestPartner,
  customerId: string,
  subscriptionId: string,
) {
  const path = `/v1/customers/${customerId}/subscriptions/${subscriptionId}`;
  // As the contract tells a client: a 503 is asked again after its Retry-After. Right after a worker
  // was killed, the run's next task waits on the dead worker's sticky queue and then on the task
  // timeout (10 s each) before another worker takes it, past API_ANSWER_TIMEOUT.
  const turnedOff = await waitFor(
    async () => {
      const reply = await engine.request('PATCH', path, { key: provider.apiKey, body: { autoRenew: false } });
      if (reply.status !== 503) return reply;
      await new Promise((resolve) => setTimeout(resolve, Number(reply.headers.get('retry-after') ?? 1) * 1_000));
      return undefined;
    },
    { what: 'autoRenew turned off', timeoutMs: 60_000 },
  );
  expect(turnedOff.status).toBe(200);
  const [row] = await waitFor(
    async () => {
      const rows = await engine.deps.db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.id, subscriptionId), eq(subscriptions.status, 'expired')));
      return rows.length > 0 && rows;
    },
    { what: 'expiry', timeoutMs: 60_000 },
  );
  const terms = Array.from({ length: row!.renewalCount + 1 }, (_, term) => term);
  const charges = await engine.deps.db
    .select()
    .from(subscriptionCharges)
    .where(eq(subscriptionCharges.subscriptionId, subscriptionId));
  expect(charges.map((charge) => charge.idempotencyKey).sort()).toEqual(
    terms.map((term) => `subscription:${subscriptionId}:term${term}:period0`).sort(),
  );
  expect(new Set(charges.map((charge) => charge.periodStart.toISOString())).size).toBe(terms.length);
  const notices = await engine.deps.db
    .select({ key: mailOutbox.dedupeKey })
    .from(mailOutbox)
    .where(like(mailOutbox.dedupeKey, `subscription:${subscriptionId}:%`));
  expect(notices.map((notice) => notice.key).sort()).toEqual(
    terms.map((term) => `subscription:${subscriptionId}:term${term}:notice:provider`).sort(),
  );
  return row!.renewalCount;
}

describe('a step that fails after it committed', () => {
  let engine: TestEngine;
  const failedOnce = new Set<string>();
  beforeAll(async () => {
    engine = await startTestEngine({
      env: lifecycleEnv,
      activityTestHooks: {
        async afterCommit(activity, key) {
          if (!['saveSubscription', 'sendRenewalNotice'].includes(activity) || failedOnce.has(key)) return;
          failedOnce.add(key);
          throw new Error(`test: ${activity} lost its reply after committing`);
        },
      },
    });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('is retried without a second charge, audit row or notice, and no term goes uncharged', async () => {
    const { provider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const [subscriptionId] = await orderSubscriptions(engine, provider, customer.id, [OFFERS.teamsEssentials]);
    await waitFor(
      async () =>
        (await engine.deps.db.select().from(subscriptions).where(eq(subscriptions.id, subscriptionId!)))[0]!
          .renewalCount >= 2,
      {
        what: 'two renewals',
        timeoutMs: 60_000,
      },
    );
    const renewals = await expectEachTermRecordedOnce(engine, provider, customer.id, subscriptionId!);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect([...failedOnce].filter((key) => key.includes(':period')).length).toBeGreaterThanOrEqual(renewals + 1);
    expect([...failedOnce].filter((key) => key.endsWith(':notice')).length).toBeGreaterThanOrEqual(renewals + 1);
  }, 180_000);
});

const databaseUrl = inject('databaseUrl');
const root = path.resolve(import.meta.dirname, '..');

/** `tsx src/main/worker.ts` in its own process group, as `npm run worker` runs it. */
function startWorkerProcess(env: Record<string, string>) {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/main/worker.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    running: () =>
      waitFor(async () => output.includes('"msg":"worker running"'), {
        what: `worker running:\n${output.slice(-2000)}`,
        timeoutMs: 90_000,
      }),
    async kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await exited;
    },
  };
}

describe.skipIf(!databaseUrl)('a worker process killed at random during billing and renewals', () => {
  let api: TestEngine;
  const workers: Array<ReturnType<typeof startWorkerProcess>> = [];
  beforeAll(async () => {
    api = await startTestEngine({ env: lifecycleEnv, runWorker: false });
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await api?.stop();
  });

  it('leaves no duplicate and no missing charge or notice once a worker runs again', async () => {
    const env = {
      ...lifecycleEnv,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: api.taskQueue,
      OPERATOR_API_KEY: OPERATOR_KEY,
      ENCRYPTION_KEY,
      LOG_LEVEL: 'info',
    };
    const start = async () => {
      const worker = startWorkerProcess(env);
      workers.push(worker);
      await worker.running();
      return worker;
    };
    const { provider } = await partneredPair(api);
    const customer = await createActiveCustomer(api, { providerId: provider.id });
    let worker = await start();
    const ids = await orderSubscriptions(api, provider, customer.id, [OFFERS.teamsEssentials, OFFERS.defenderBusiness]);
    for (let kill = 0; kill < 3; kill += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.floor(Math.random() * 4_000)));
      await worker.kill();
      worker = await start();
    }
    // At least one renewal happened across the kills (a slow machine may need the last worker for it).
    await waitFor(
      async () => {
        const rows = await api.deps.db
          .select({ renewalCount: subscriptions.renewalCount })
          .from(subscriptions)
          .where(inArray(subscriptions.id, ids));
        return rows.every((row) => row.renewalCount >= 1);
      },
      { what: 'a renewal of each subscription', timeoutMs: 60_000 },
    );
    for (const id of ids)
      expect(await expectEachTermRecordedOnce(api, provider, customer.id, id)).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
