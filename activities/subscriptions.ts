import { chargeView } from '../src/views/charge';
import { recordSubscriptionEvent } from '../src/events/record';
import { subscriptionEventFor } from '../src/events/subscription-events';
import { ApplicationFailure } from '@temporalio/common';
import { recordCustomerEvent } from '../src/db/queries/customer-events';
import { recordCharge } from '../src/db/queries/subscription-charges';
import {
  getLifecycleSubscription,
  getRenewalNoticeRecipients,
  getTermOffer,
  saveLifecycleState,
} from '../src/db/queries/subscription-lifecycle';
import type { ChargeKind } from '../src/db/schema';
import { readerOf } from '../src/i18n/language';
import { subscriptionNoticeMail } from '../src/mail/templates';
import type { ScheduledChanges } from '../src/domain/subscription-lifecycle';
import type { SubscriptionState } from '../workflows/subscription.messages';
import { subscriptionWorkflowId } from '../workflows/ids';
import type { ActivityDeps } from './index';
import { currentRun } from './provisioning';

/** A charge or refund the workflow computed; `key` makes it unique within the subscription. */
export type ChargeRecord = {
  key: string;
  kind: ChargeKind;
  periodStart: string;
  periodEnd: string;
  quantity: number;
  amount: number;
};
/** The audit row of a step; `key` makes it unique, so a retried step writes it once. */
export type SubscriptionAudit = { actor: string; action: string; key: string; details: Record<string, unknown> };

/**
 * The subscription workflow's only ways to touch the system of record. Each is idempotent: state is
 * written as a whole (the last write of the same state changes nothing), charges and audit rows are
 * keyed, mails are keyed in the outbox.
 */
export function createSubscriptionActivities(deps: ActivityDeps) {
  const { db } = deps;

  return {
    /** What a new subscription workflow starts from: the row, its offer at today's price, and the configured durations. */
    async loadSubscription({ subscriptionId }: { subscriptionId: string }) {
      const row = await getLifecycleSubscription(db, subscriptionId);
      if (!row)
        throw ApplicationFailure.nonRetryable(`subscription ${subscriptionId} does not exist`, 'SUBSCRIPTION_MISSING');
      return {
        subscriptionId,
        customerId: row.customerId,
        providerId: row.providerId,
        offer: row.offer,
        // A subscription cancelled by a failed saga before its workflow ran stays cancelled.
        status: row.status,
        quantity: row.quantity,
        term: row.term,
        billingFrequency: row.billingFrequency,
        startedAt: row.startedAt.toISOString(),
        autoRenew: row.autoRenew,
        timing: deps.subscriptionTiming,
      };
    },

    /** The offer a renewed term is priced at (an upgrade names another one). */
    async loadOffer({ offerId }: { offerId: string }) {
      const offer = await getTermOffer(db, offerId);
      if (!offer)
        throw ApplicationFailure.nonRetryable(`offer ${offerId} is no longer in the catalog`, 'OFFER_NOT_FOUND');
      return offer;
    },

    /** Writes the workflow's state, the step's charges and its audit rows in one transaction. */
    async saveSubscription(input: {
      state: SubscriptionState;
      charges: ChargeRecord[];
      audit: SubscriptionAudit;
    }): Promise<void> {
      const run = currentRun();
      const { state } = input;
      await db.transaction(async (tx) => {
        await saveLifecycleState(tx, state, subscriptionWorkflowId(state.subscriptionId));
        await recordCustomerEvent(tx, {
          customerId: state.customerId,
          actor: input.audit.actor,
          action: input.audit.action,
          details: { subscriptionId: state.subscriptionId, status: state.status, ...input.audit.details },
          ...run,
          dedupeKey: input.audit.key,
        });
        const event = subscriptionEventFor(input.audit.action);
        if (event)
          await recordSubscriptionEvent(tx, {
            subscriptionId: state.subscriptionId,
            type: event,
            dedupeKey: `subscription:${state.subscriptionId}:${input.audit.key}`,
          });
        for (const charge of input.charges) {
          const idempotencyKey = `subscription:${state.subscriptionId}:${charge.key}`;
          const recorded = await recordCharge(tx, {
            subscriptionId: state.subscriptionId,
            customerId: state.customerId,
            kind: charge.kind,
            periodStart: new Date(charge.periodStart),
            periodEnd: new Date(charge.periodEnd),
            quantity: charge.quantity,
            amount: charge.amount,
            currency: state.offer.currency,
            idempotencyKey,
            ...run,
          });
          if (!recorded) continue;
          await recordSubscriptionEvent(tx, {
            subscriptionId: state.subscriptionId,
            type: 'charge.created',
            dedupeKey: `charge:${recorded.id}`,
            data: chargeView(recorded),
          });
          await recordCustomerEvent(tx, {
            customerId: state.customerId,
            actor: 'workflow',
            action: charge.kind === 'refund' ? 'subscription.refunded' : 'subscription.charged',
            details: { subscriptionId: state.subscriptionId, ...charge, currency: state.offer.currency },
            ...run,
            dedupeKey: `charge:${idempotencyKey}`,
          });
        }
      });
      // Lets a test fail the step after it committed, as a worker dying before it reports back would.
      await deps.testHooks?.afterCommit?.('saveSubscription', input.audit.key);
    },

    /** Announces the end of a term to the provider and the reseller on record; keyed, so a retry mails nobody twice. */
    async sendRenewalNotice(input: {
      key: string;
      subscriptionId: string;
      customerId: string;
      offerName: string;
      termEndsAt: string;
      renews: boolean;
      scheduledChanges: ScheduledChanges | null;
    }): Promise<void> {
      const recipients = await getRenewalNoticeRecipients(db, input.subscriptionId);
      if (!recipients) return;
      const queued = await db.transaction(async (tx) => {
        const notices = [];
        for (const recipient of recipients.emails) {
          const notice = await deps.mailer.enqueue(tx, {
            dedupeKey: `${input.key}:${recipient.role}`,
            to: recipient.email,
            ...subscriptionNoticeMail(readerOf(recipient), {
              ...input,
              customerName: recipients.customerName,
              recipientName: recipient.name,
            }),
          });
          notices.push(notice);
        }
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: 'workflow',
          action: 'subscription.renewal_notice_sent',
          details: {
            subscriptionId: input.subscriptionId,
            renews: input.renews,
            termEndsAt: input.termEndsAt,
            recipients: recipients.emails.map((r) => r.role),
          },
          ...currentRun(),
          dedupeKey: input.key,
        });
        return notices;
      });
      await deps.testHooks?.afterCommit?.('sendRenewalNotice', input.key);
      await deps.mailer.deliver(queued);
    },
  };
}
