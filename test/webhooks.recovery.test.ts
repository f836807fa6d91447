import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../src/db/queries/events';
import { events, webhookDeliveries } from '../src/db/schema';
import { retentionScheduleId } from '../src/webhooks/retention';
import type { Db } from '../src/db/client';
import {
  createTestPartner,
  startTestEngine,
  testDatabase,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { deliveryResult, registerEndpoint, startReceiver, type Receiver } from './support/webhook-receiver';

const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RELAY_INTERVAL: '100ms', WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s' };
const taskQueue = `webhooks-recovery-${randomUUID()}`;

/** The API alone: events commit, but no worker (and so no relay) runs until a test starts one. */
let api: TestEngine;
let receiver: Receiver;
let partner: TestPartner;
let endpointId: string;
beforeAll(async () => {
  api = await startTestEngine({ taskQueue, runWorker: false, env });
  receiver = await startReceiver();
  partner = await createTestPartner(api.request, { kind: 'reseller' });
  ({
    endpoint: { id: endpointId },
  } = await registerEndpoint(api.request, partner.apiKey, { url: receiver.url }));
});
afterAll(async () => {
  await api?.stop();
  await receiver?.close();
});

const worker = () => startTestEngine({ taskQueue, runApi: false, env });
const countsById = () => {
  const counts = new Map<string, number>();
  for (const entry of receiver.received)
    counts.set(String(entry.headers['webhook-id']), (counts.get(String(entry.headers['webhook-id'])) ?? 0) + 1);
  return counts;
};

describe('no event lost or duplicated across worker crashes', () => {
  it('keeps committed events whose delivery never started, and delivers each once when workers come and go', async () => {
    const eventIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const reply = await api.request('POST', `/v1/webhook-endpoints/${endpointId}/test`, { key: partner.apiKey });
      eventIds.push(reply.body.eventId);
    }
    // Committed with their deliveries, none started: the state a worker killed right after the commit leaves.
    const rows = await api.deps.db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, eventIds));
    expect(rows.map((row) => row.startedAt)).toEqual(eventIds.map(() => null));

    // A first worker takes some of them and is stopped mid-way; a second one finishes.
    const first = await worker();
    await waitFor(async () => receiver.received.length >= 3, { what: 'first deliveries' });
    await first.stop();
    const second = await worker();
    try {
      for (const eventId of eventIds)
        expect((await deliveryResult(api, `webhook-delivery-${eventId}-${endpointId}`)).status).toBe('delivered');
      expect([...countsById().entries()].sort()).toEqual(eventIds.map((id) => [id, 1]).sort());

      // A relay that started a workflow but died before marking the row starts it again: Temporal refuses the duplicate.
      await api.deps.db
        .update(webhookDeliveries)
        .set({ startedAt: null })
        .where(inArray(webhookDeliveries.eventId, eventIds.slice(0, 4)));
      await waitFor(async () => {
        const again = await api.deps.db
          .select()
          .from(webhookDeliveries)
          .where(inArray(webhookDeliveries.eventId, eventIds.slice(0, 4)));
        return again.every((row) => row.startedAt !== null);
      });
      expect(receiver.received).toHaveLength(eventIds.length);
    } finally {
      await second.stop();
    }
  });
});

describe('an idle relay', () => {
  it('only reads whether anything waits: no locking transaction while nothing does, and still starts what comes', async () => {
    const shared = await testDatabase();
    let transactions = 0;
    const counted = new Proxy(shared.db, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver);
        return (...args: Parameters<Db['transaction']>) => {
          transactions++;
          return target.transaction(...args);
        };
      },
    });
    const relayOnly = await startTestEngine({
      taskQueue,
      runApi: false,
      env: { ...env, WEBHOOK_RELAY_INTERVAL: '50ms' },
      database: { ...shared, db: counted },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      transactions = 0;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // A pass every 50 ms, none of which opened a transaction (each did before the probe).
      expect(transactions).toBe(0);

      const reply = await api.request('POST', `/v1/webhook-endpoints/${endpointId}/test`, { key: partner.apiKey });
      expect((await deliveryResult(api, `webhook-delivery-${reply.body.eventId}-${endpointId}`)).status).toBe(
        'delivered',
      );
      expect(transactions).toBeGreaterThan(0);
    } finally {
      await relayOnly.stop();
    }
  });
});

describe('event retention', () => {
  it('removes events older than EVENT_RETENTION with a Temporal Schedule', async () => {
    const retention = await startTestEngine({ taskQueue: `retention-${randomUUID()}`, runApi: false, env });
    try {
      const [oldId, freshId] = await api.deps.db.transaction(async (tx) => [
        await recordEvent(tx, {
          type: 'webhook.test',
          dedupeKey: `retention-old:${randomUUID()}`,
          recipientIds: [partner.id],
          data: {},
        }),
        await recordEvent(tx, {
          type: 'webhook.test',
          dedupeKey: `retention-fresh:${randomUUID()}`,
          recipientIds: [partner.id],
          data: {},
        }),
      ]);
      await api.deps.db
        .update(events)
        .set({ createdAt: new Date(Date.now() - 31 * 86_400_000) })
        .where(eq(events.id, oldId!));
      await api.deps.db.delete(webhookDeliveries).where(inArray(webhookDeliveries.eventId, [oldId!, freshId!]));

      const schedule = retention.deps.temporal.schedule.getHandle(retentionScheduleId(retention.taskQueue));
      const description = await schedule.describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'eventRetentionWorkflow' });
      await schedule.trigger();
      await waitFor(async () => (await api.deps.db.select().from(events).where(eq(events.id, oldId!))).length === 0, {
        what: 'old event removed',
      });
      expect(await api.deps.db.select().from(events).where(eq(events.id, freshId!))).toHaveLength(1);
    } finally {
      await retention.stop();
    }
  });
});
