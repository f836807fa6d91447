import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { ChargeRecord, SubscriptionAudit } from '../../activities/subscriptions';
import type { SubscriptionTiming } from '../../src/domain/subscription-time';
import { ensureTestServer } from '../../src/temporal/test-server';
import { createMetrics } from '../../src/metrics';
import { bundleWorkflows } from '../../src/temporal/worker';
import { allSearchAttributes } from '../../workflows/search-attributes';
import type { SubscriptionState, TermOffer } from '../../workflows/subscription.messages';

/**
 * The SDK gives the server 5 s to answer, which a JVM on a busy machine may miss: a few attempts
 * (the second start finds its classes in the page cache).
 */
async function startTestServer(wrapper: string, attempts = 4): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: wrapper } } });
    } catch (error) {
      if (attempt >= attempts || !/did not start within/.test(String(error))) throw error;
    }
  }
}

/** Temporal's time-skipping test server: timers of months or years fire as soon as the workflow waits on them. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  const env = await startTestServer(ensureTestServer());
  // The test server has no ListSearchAttributes; it registers ours as the dev server's flags do.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(allSearchAttributes.map((key) => [key.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
  });
  return env;
}

export const DAY = 86_400_000;
export const calendarTiming: SubscriptionTiming = {
  month: { kind: 'calendar' },
  cancellationWindowMs: 7 * DAY,
  renewalNoticeMs: 7 * DAY,
  expiredGraceMs: 30 * DAY,
  disabledGraceMs: 90 * DAY,
};

export const offers: Record<string, TermOffer> = {
  'm365-e3': { id: 'm365-e3', name: 'Microsoft 365 E3', unitPrice: 3600, currency: 'EUR', minQuantity: 1, maxQuantity: 10000 },
  'm365-e5': { id: 'm365-e5', name: 'Microsoft 365 E5', unitPrice: 5700, currency: 'EUR', minQuantity: 1, maxQuantity: 10000 },
};

type SubscriptionActivities = Pick<Activities, 'loadSubscription' | 'loadOffer' | 'saveSubscription' | 'sendRenewalNotice'>;
type Seed = Awaited<ReturnType<Activities['loadSubscription']>>;
type Notice = Parameters<Activities['sendRenewalNotice']>[0];

/**
 * The subscription activities as fakes typed as the real ones: an in-memory system of record with
 * the same idempotency keys (charges, audit rows, notices are maps), so a repeated call changes nothing.
 */
export function fakeSubscriptionRecords() {
  const seeds = new Map<string, Seed>();
  const rows = new Map<string, SubscriptionState>();
  const charges = new Map<string, ChargeRecord & { subscriptionId: string }>();
  const audit = new Map<string, SubscriptionAudit & { subscriptionId: string }>();
  const notices = new Map<string, Notice>();

  const activities: SubscriptionActivities = {
    async loadSubscription({ subscriptionId }) {
      return seeds.get(subscriptionId)!;
    },
    async loadOffer({ offerId }) {
      return offers[offerId]!;
    },
    async saveSubscription({ state, charges: recorded, audit: entry }) {
      rows.set(state.subscriptionId, structuredClone(state));
      if (!audit.has(entry.key)) audit.set(entry.key, { ...entry, subscriptionId: state.subscriptionId });
      for (const charge of recorded) {
        const key = `${state.subscriptionId}:${charge.key}`;
        if (!charges.has(key)) charges.set(key, { ...charge, subscriptionId: state.subscriptionId });
      }
    },
    async sendRenewalNotice(notice) {
      if (!notices.has(notice.key)) notices.set(notice.key, notice);
    },
  };

  return {
    activities,
    rows,
    /** A new subscription as provisioning leaves it; its workflow loads it from here. */
    seed(overrides: Partial<Seed> = {}): Seed {
      const subscriptionId = randomUUID();
      const seed: Seed = {
        subscriptionId,
        customerId: randomUUID(),
        providerId: randomUUID(),
        offer: offers['m365-e3']!,
        status: 'active',
        quantity: 10,
        term: 'P1Y',
        billingFrequency: 'monthly',
        startedAt: new Date().toISOString(),
        autoRenew: true,
        timing: calendarTiming,
        ...overrides,
      };
      seeds.set(subscriptionId, seed);
      return seed;
    },
    chargesOf: (subscriptionId: string) => [...charges.values()].filter((charge) => charge.subscriptionId === subscriptionId),
    actionsOf: (subscriptionId: string) => [...audit.values()].filter((entry) => entry.subscriptionId === subscriptionId).map((entry) => entry.action),
    noticesOf: (subscriptionId: string) => [...notices.values()].filter((notice) => notice.subscriptionId === subscriptionId),
  };
}

let bundle: Promise<WorkflowBundleOption> | undefined;

/** A worker on a task queue of its own; the workflow code is bundled once per file. A worker runs once (runUntil). */
export async function subscriptionWorker(env: TestWorkflowEnvironment, activities: SubscriptionActivities) {
  bundle ??= bundleWorkflows();
  const taskQueue = `subscriptions-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await bundle, activities, sinks: createMetrics().workerSinks });
  return { worker, taskQueue };
}
