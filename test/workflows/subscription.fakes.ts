import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import type { ChargeRecord, SubscriptionAudit } from '../../activities/subscriptions';
import type { SubscriptionTiming } from '../../src/domain/subscription-time';
import type { SubscriptionState, TermOffer } from '../../workflows/subscription.messages';
import { DAY } from './support';

export const calendarTiming: SubscriptionTiming = {
  month: { kind: 'calendar' },
  cancellationWindowMs: 7 * DAY,
  renewalNoticeMs: 7 * DAY,
  expiredGraceMs: 30 * DAY,
  disabledGraceMs: 90 * DAY,
};

export const offers: Record<string, TermOffer> = {
  'm365-e3': {
    id: 'm365-e3',
    name: 'Microsoft 365 E3',
    unitPrice: 3600,
    currency: 'EUR',
    minQuantity: 1,
    maxQuantity: 10000,
  },
  'm365-e5': {
    id: 'm365-e5',
    name: 'Microsoft 365 E5',
    unitPrice: 5700,
    currency: 'EUR',
    minQuantity: 1,
    maxQuantity: 10000,
  },
};

type SubscriptionActivities = Pick<
  Activities,
  'loadSubscription' | 'loadOffer' | 'saveSubscription' | 'sendRenewalNotice'
>;
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
        subscriptionId: overrides.subscriptionId ?? subscriptionId,
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
      seeds.set(seed.subscriptionId, seed);
      return seed;
    },
    chargesOf: (subscriptionId: string) =>
      [...charges.values()].filter((charge) => charge.subscriptionId === subscriptionId),
    actionsOf: (subscriptionId: string) =>
      [...audit.values()].filter((entry) => entry.subscriptionId === subscriptionId).map((entry) => entry.action),
    noticesOf: (subscriptionId: string) =>
      [...notices.values()].filter((notice) => notice.subscriptionId === subscriptionId),
  };
}
