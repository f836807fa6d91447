import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import type { Activities } from '../activities';
import type { ChargeRecord, SubscriptionAudit } from '../activities/subscriptions';
import {
  billingPeriods,
  cancellationRefund,
  chargeBatchesForPeriod,
  mergeClosedBatches,
  periodCharge,
  planLicenseRemoval,
  proratedChargePerLicense,
  refundableQuantities,
  termEnd,
} from '../src/domain/subscription-billing';
import { allowedStatuses, isLive, type SubscriptionChangeKind } from '../src/domain/subscription-lifecycle';
import {
  offerChangeProration,
  offerChangeRefusal,
  repriceOpenBatches,
  type OfferForChange,
} from '../src/domain/subscription-offer-change';
import { businessFailure } from './failures';
import {
  cancelUpdate,
  changeOfferUpdate,
  changeQuantityUpdate,
  reactivateUpdate,
  scheduleChangesUpdate,
  setAutoRenewUpdate,
  statusQuery,
  suspendUpdate,
  type ChangeResult,
  type SubscriptionState,
  type SubscriptionWorkflowInput,
} from './subscription.messages';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from './search-attributes';

// Small database writes: a worker lost mid-activity is noticed after 10 s and the activity retried.
const stepOptions = { ...defaultActivityOptions, startToCloseTimeout: '10s' } as const;
const activities = proxyActivities<Activities>(stepOptions);
/**
 * The same steps as local activities: run by the worker inside the workflow task that asks for them,
 * so bringing a subscription to sleep (load, first save, first charge, then the timer) is one workflow
 * task instead of three workflow tasks and three activity tasks, and each later charge or change one
 * instead of two and an activity task — what a million subscriptions cost the server and the worker
 * (bench `waiting-subscriptions`). Each step is one short, idempotent transaction keyed like before;
 * a worker lost mid-step leaves the workflow task to time out, and the next worker runs it again.
 */
const localActivities = proxyLocalActivities<Activities>(stepOptions);

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

type TimedEvent = { at: number; kind: 'charge' | 'notice' | 'window' | 'termEnd' | 'disable' | 'delete' };

/** The next thing the clock will do to the subscription, or null once it is deleted or cancelled. */
export function nextTimedEvent(state: SubscriptionState): TimedEvent | null {
  const { timing } = state;
  if (state.status === 'expired') return { at: at(state.statusSince) + timing.expiredGraceMs, kind: 'disable' };
  if (state.status === 'disabled') return { at: at(state.statusSince) + timing.disabledGraceMs, kind: 'delete' };
  if (!isLive(state.status)) return null;
  const periods = billingPeriods(new Date(state.termStartedAt), state, timing.month);
  const candidates: TimedEvent[] = [{ at: at(state.termEndsAt), kind: 'termEnd' }];
  if (state.chargedPeriods < periods.length)
    candidates.push({ at: periods[state.chargedPeriods]!.start.getTime(), kind: 'charge' });
  const noticeAt = at(state.termEndsAt) - timing.renewalNoticeMs;
  if (!state.renewalNoticeSent && noticeAt > at(state.termStartedAt)) candidates.push({ at: noticeAt, kind: 'notice' });
  const windowEnds = state.batches
    .map((batch) => at(batch.allowedUntil))
    .filter((end) => end > at(state.windowsClosedUntil));
  if (windowEnds.length > 0) candidates.push({ at: Math.min(...windowEnds), kind: 'window' });
  // Charges come before anything else due at the same instant (a term's first period, then its window).
  const order: TimedEvent['kind'][] = ['charge', 'window', 'notice', 'termEnd'];
  return candidates.sort((a, b) => a.at - b.at || order.indexOf(a.kind) - order.indexOf(b.kind))[0]!;
}

/**
 * One subscription over its whole life (PRODUCT.md §6), from provisioning until it is deleted.
 * It sleeps on durable timers — the next billing period, the end of a cancellation window, the
 * renewal notice, the end of the term, the grace periods after expiry — and serialises every change
 * asked through its Updates: one runs at a time, each re-checked against the state it finds, so two
 * concurrent changes never both apply to the same state. Every charge and refund is recorded by an
 * activity under an idempotency key, so a retried or replayed step never records money twice. At
 * each renewal it continues as new, so its history stays small however many years it runs.
 */
export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionState> {
  // Runs recorded before the local steps replay with the activities they scheduled then.
  const localSteps = patched('subscription-local-activities');
  const steps = localSteps ? localActivities : activities;
  let state: SubscriptionState | null = input.carried ?? null;
  let busy = false;
  /** Bumped by every change, so the main loop recomputes its next timer. */
  let version = 0;

  setHandler(statusQuery, () => state);

  /** Runs one change or timed step at a time, on the loaded state. */
  async function exclusive<T>(step: (current: SubscriptionState) => Promise<T>): Promise<T> {
    await condition(() => !busy && state !== null);
    busy = true;
    try {
      return await step(state!);
    } finally {
      busy = false;
      version += 1;
    }
  }

  /**
   * A change sees its billing period charged first: a period whose start has passed is charged
   * before the change applies, whichever of the timer and the Update got the turn first.
   */
  function change<T>(step: (current: SubscriptionState) => Promise<T>): Promise<T> {
    return exclusive(async (current) => {
      for (
        let next = nextTimedEvent(current);
        next?.kind === 'charge' && next.at <= Date.now();
        next = nextTimedEvent(current)
      ) {
        await runTimedEvent(current, next);
      }
      return step(current);
    });
  }

  const refuseUnlessAllowed = (current: SubscriptionState | null, kind: SubscriptionChangeKind) => {
    if (current && !allowedStatuses[kind].includes(current.status)) {
      throw businessFailure(
        'SUBSCRIPTION_WRONG_STATE',
        `The subscription is ${current.status}; ${kind} needs it ${allowedStatuses[kind].join(' or ')}`,
      );
    }
  };
  /** An Update validator that checks only the status (before the state is loaded, the handler checks again). */
  const statusGuard =
    (kind: SubscriptionChangeKind): ((request: { actor: string }) => void) =>
    () =>
      refuseUnlessAllowed(state, kind);

  /** Writes the state, its charges and an audit row in one activity (one transaction), then refreshes what operators see. */
  async function save(current: SubscriptionState, audit: SubscriptionAudit, charges: ChargeRecord[] = []) {
    await steps.saveSubscription({
      state: current,
      charges,
      audit: { ...audit, key: `subscription:${current.subscriptionId}:${audit.key}` },
    });
    upsertSearchAttributes([{ key: ProcessStatus, value: current.status }]);
    upsertMemo({
      offer: current.offer.name,
      quantity: current.quantity,
      termEndsAt: current.termEndsAt,
      autoRenew: current.autoRenew,
      renewalCount: current.renewalCount,
    });
  }

  const changeKey = (current: SubscriptionState) => `change:${(current.changeSequence += 1)}`;
  const answer = (current: SubscriptionState, scheduledChangesRemoved: boolean, amount = 0): ChangeResult => ({
    status: current.status,
    scheduledChangesRemoved,
    amount,
  });
  /** Any immediate change removes what was scheduled for the renewal, and says so. */
  const dropScheduledChanges = (current: SubscriptionState) => {
    const had = current.scheduledChanges !== null;
    current.scheduledChanges = null;
    return had;
  };

  /** The billing period a change falls in: the last one charged (change() charges a due period first). */
  const currentPeriod = (current: SubscriptionState) =>
    billingPeriods(new Date(current.termStartedAt), current, current.timing.month)[
      Math.max(current.chargedPeriods - 1, 0)
    ]!;

  function validateQuantity(current: SubscriptionState | null, quantity: number) {
    refuseUnlessAllowed(current, 'quantity');
    if (!current || quantity === current.quantity) return;
    const { offer } = current;
    if (quantity < offer.minQuantity || quantity > offer.maxQuantity) {
      throw businessFailure(
        'QUANTITY_OUT_OF_BOUNDS',
        `${offer.name} takes ${offer.minQuantity} to ${offer.maxQuantity} licenses, not ${quantity}`,
        {
          path: 'body.quantity',
          min: offer.minQuantity,
          max: offer.maxQuantity,
        },
      );
    }
    if (quantity < current.quantity) {
      const plan = planLicenseRemoval(current.batches, current.quantity - quantity, {
        unitPrice: offer.unitPrice,
        at: new Date(),
        month: current.timing.month,
      });
      if (!plan.ok) {
        const allowedUntil = plan.refundable[0]?.allowedUntil ?? null;
        throw businessFailure(
          'QUANTITY_DECREASE_NOT_ALLOWED',
          plan.removableQuantity === 0
            ? 'No license is inside its cancellation window any more; remove licenses at renewal with a scheduled change'
            : `Only ${plan.removableQuantity} license(s) can be removed, until ${allowedUntil}`,
          { removableQuantity: plan.removableQuantity, allowedUntil, refundableQuantities: plan.refundable },
        );
      }
    }
  }

  setHandler(
    changeQuantityUpdate,
    ({ actor, quantity }) =>
      change(async (current) => {
        validateQuantity(current, quantity);
        if (quantity === current.quantity) return answer(current, false);
        const now = Date.now();
        const from = current.quantity;
        const key = changeKey(current);
        const removed = dropScheduledChanges(current);
        let charge: ChargeRecord;
        if (quantity > from) {
          const period = currentPeriod(current);
          const perLicense = proratedChargePerLicense(current.offer.unitPrice, period, new Date(now));
          const added = quantity - from;
          current.batches.push({
            id: key,
            quantity: added,
            purchasedAt: iso(now),
            allowedUntil: iso(now + current.timing.cancellationWindowMs),
            chargedPerLicense: perLicense,
          });
          charge = {
            key,
            kind: 'charge',
            periodStart: iso(now),
            periodEnd: period.end.toISOString(),
            quantity: added,
            amount: perLicense * added,
          };
        } else {
          const plan = planLicenseRemoval(current.batches, from - quantity, {
            unitPrice: current.offer.unitPrice,
            at: new Date(now),
            month: current.timing.month,
          });
          if (!plan.ok) throw new Error('unreachable: validated above');
          current.batches = plan.batches;
          charge = {
            key,
            kind: 'refund',
            periodStart: iso(now),
            periodEnd: current.termEndsAt,
            quantity: from - quantity,
            amount: -plan.refund,
          };
        }
        current.quantity = quantity;
        await save(
          current,
          {
            actor,
            action: 'subscription.quantity_changed',
            key,
            details: { from, to: quantity, scheduledChangesRemoved: removed },
          },
          [charge],
        );
        return answer(current, removed, charge.amount);
      }),
    { validator: ({ quantity }) => validateQuantity(state, quantity) },
  );

  function validateOffer(current: SubscriptionState | null, offer: OfferForChange) {
    refuseUnlessAllowed(current, 'offer');
    if (!current || offer.id === current.offer.id) return;
    const refusal = offerChangeRefusal(current, offer);
    if (refusal) throw businessFailure(refusal.code, refusal.message, refusal.details);
  }

  /**
   * An upgrade (or any change of offer) now rather than at renewal: the rest of the current billing
   * period is refunded at the old price and charged at the new one (src/domain/subscription-offer-change.ts),
   * later periods are charged at the new price. The same offer changes nothing.
   */
  setHandler(
    changeOfferUpdate,
    ({ actor, offer }) =>
      change(async (current) => {
        validateOffer(current, offer);
        if (offer.id === current.offer.id) return answer(current, false);
        const now = new Date();
        const from = current.offer;
        const period = currentPeriod(current);
        const proration = offerChangeProration({
          fromUnitPrice: from.unitPrice,
          toUnitPrice: offer.unitPrice,
          period,
          at: now,
          quantity: current.quantity,
        });
        const key = changeKey(current);
        const removed = dropScheduledChanges(current);
        current.batches = repriceOpenBatches(current.batches, {
          fromUnitPrice: from.unitPrice,
          toUnitPrice: offer.unitPrice,
          proration,
          at: now,
          month: current.timing.month,
        });
        const { terms: _sold, ...priced } = offer;
        current.offer = priced;
        const line = {
          periodStart: now.toISOString(),
          periodEnd: period.end.toISOString(),
          quantity: current.quantity,
        };
        // Two keys per change, each unique in the charges table: a retried save writes neither twice.
        const lines: ChargeRecord[] = [
          { key: `${key}:credit`, kind: 'refund', ...line, amount: -proration.credit },
          { key, kind: 'charge', ...line, amount: proration.charge },
        ];
        const charges = lines.filter((charge) => charge.amount !== 0);
        await save(
          current,
          {
            actor,
            action: 'subscription.offer_changed',
            key,
            details: {
              from: from.id,
              to: offer.id,
              credit: proration.credit,
              charge: proration.charge,
              scheduledChangesRemoved: removed,
            },
          },
          charges,
        );
        return answer(current, removed, proration.charge - proration.credit);
      }),
    { validator: ({ offer }) => validateOffer(state, offer) },
  );

  setHandler(
    setAutoRenewUpdate,
    ({ actor, autoRenew }) =>
      change(async (current) => {
        refuseUnlessAllowed(current, 'autoRenew');
        if (autoRenew === current.autoRenew) return answer(current, false);
        current.autoRenew = autoRenew;
        // Scheduled changes only apply at a renewal: without one they go.
        const removed = autoRenew ? false : dropScheduledChanges(current);
        await save(current, {
          actor,
          action: 'subscription.auto_renew_changed',
          key: changeKey(current),
          details: { autoRenew, scheduledChangesRemoved: removed },
        });
        return answer(current, removed);
      }),
    { validator: statusGuard('autoRenew') },
  );

  const validateSchedule = (current: SubscriptionState | null, clearing: boolean) => {
    refuseUnlessAllowed(current, 'scheduledChanges');
    if (current && !clearing && !current.autoRenew) {
      throw businessFailure(
        'SCHEDULED_CHANGE_NEEDS_AUTORENEW',
        'Scheduled changes apply at renewal; turn autoRenew on first',
      );
    }
  };
  setHandler(
    scheduleChangesUpdate,
    ({ actor, changes }) =>
      change(async (current) => {
        validateSchedule(current, changes === null);
        if (changes === null && current.scheduledChanges === null) return answer(current, false);
        const previous = current.scheduledChanges;
        current.scheduledChanges = changes;
        const action = changes ? 'subscription.changes_scheduled' : 'subscription.scheduled_changes_cleared';
        await save(current, {
          actor,
          action,
          key: changeKey(current),
          details: { previous, scheduledChanges: changes },
        });
        return answer(current, changes === null && previous !== null);
      }),
    { validator: ({ changes }) => validateSchedule(state, changes === null) },
  );

  const validateCancel = (current: SubscriptionState | null) => {
    refuseUnlessAllowed(current, 'cancel');
    if (current && Date.now() >= at(current.cancellationAllowedUntil)) {
      throw businessFailure(
        'CANCELLATION_WINDOW_CLOSED',
        `The cancellation window closed at ${current.cancellationAllowedUntil}`,
        {
          cancellationAllowedUntil: current.cancellationAllowedUntil,
        },
      );
    }
  };
  const cancelGuard: (request: { actor: string }) => void = () => validateCancel(state);
  setHandler(
    cancelUpdate,
    ({ actor }) =>
      change(async (current) => {
        validateCancel(current);
        const now = Date.now();
        const refund = cancellationRefund(current.batches, {
          unitPrice: current.offer.unitPrice,
          at: new Date(now),
          month: current.timing.month,
        });
        const key = changeKey(current);
        const removed = dropScheduledChanges(current);
        const quantity = current.quantity;
        setStatus(current, 'cancelled', now);
        await save(current, { actor, action: 'subscription.cancelled', key, details: { refund, quantity } }, [
          { key, kind: 'refund', periodStart: iso(now), periodEnd: current.termEndsAt, quantity, amount: -refund },
        ]);
        return answer(current, removed, -refund);
      }),
    { validator: cancelGuard },
  );

  setHandler(
    suspendUpdate,
    ({ actor, reason }) =>
      change(async (current) => {
        refuseUnlessAllowed(current, 'suspend');
        const removed = dropScheduledChanges(current);
        setStatus(current, 'suspended', Date.now());
        current.suspensionReason = reason;
        await save(current, {
          actor,
          action: 'subscription.suspended',
          key: changeKey(current),
          details: { reason, scheduledChangesRemoved: removed },
        });
        return answer(current, removed);
      }),
    { validator: statusGuard('suspend') },
  );

  setHandler(
    reactivateUpdate,
    ({ actor }) =>
      change(async (current) => {
        refuseUnlessAllowed(current, 'reactivate');
        setStatus(current, 'active', Date.now());
        current.suspensionReason = null;
        await save(current, { actor, action: 'subscription.reactivated', key: changeKey(current), details: {} });
        return answer(current, false);
      }),
    { validator: statusGuard('reactivate') },
  );

  upsertSearchAttributes([
    { key: ProviderId, value: input.providerId },
    { key: CustomerDomain, value: input.customerDomain },
    ...(input.resellerId ? [{ key: ResellerId, value: input.resellerId }] : []),
  ]);

  if (!state) {
    const loaded = await steps.loadSubscription({ subscriptionId: input.subscriptionId });
    const startedAt = at(loaded.startedAt);
    state = {
      ...loaded,
      termStartedAt: loaded.startedAt,
      termEndsAt: termEnd(new Date(startedAt), loaded.term, loaded.timing.month).toISOString(),
      renewalCount: 0,
      scheduledChanges: null,
      batches: [
        {
          id: 'term',
          quantity: loaded.quantity,
          purchasedAt: loaded.startedAt,
          allowedUntil: iso(startedAt + loaded.timing.cancellationWindowMs),
          chargedPerLicense: 0,
        },
      ],
      cancellationAllowedUntil: iso(startedAt + loaded.timing.cancellationWindowMs),
      suspensionReason: null,
      statusSince: loaded.startedAt,
      chargedPeriods: 0,
      renewalNoticeSent: false,
      windowsClosedUntil: loaded.startedAt,
      changeSequence: 0,
    };
    await save(state, {
      actor: 'workflow',
      action: 'subscription.lifecycle_started',
      key: 'started',
      details: { term: state.term, billingFrequency: state.billingFrequency, termEndsAt: state.termEndsAt },
    });
  }

  // The run's first step, when already due (a term's first charge), runs in the task that started
  // the run; runs recorded before the local steps waited on a 1 ms timer for it, a workflow task more.
  // Later steps always wait on a timer, even a 1 ms one: its workflow task is where Updates sent
  // meanwhile get in, so a run catching up on steps that came due cannot keep them out.
  let firstStep = localSteps;
  for (;;) {
    const next = nextTimedEvent(state);
    if (!next) break;
    const seen = version;
    const atOnce = firstStep && next.at <= Date.now();
    firstStep = false;
    if (!atOnce) {
      const changed = await condition(() => version !== seen, Math.max(next.at - Date.now(), 1));
      if (changed || Date.now() < next.at) continue;
    }
    const renewed = await exclusive((current) => runTimedEvent(current, next));
    if (renewed) {
      // Updates admitted before the renewal finish in this run; later ones reach the next.
      await condition(allHandlersFinished);
      await continueAsNew<typeof subscriptionWorkflow>({ ...input, carried: renewed });
    }
  }
  await condition(allHandlersFinished);
  return state;

  function setStatus(current: SubscriptionState, status: SubscriptionState['status'], now: number) {
    current.status = status;
    current.statusSince = iso(now);
  }

  /** Does what the clock asks; returns the next term's state when the subscription renews. */
  async function runTimedEvent(current: SubscriptionState, event: TimedEvent): Promise<SubscriptionState | null> {
    if (nextTimedEvent(current)?.kind !== event.kind) return null; // a change came first
    const now = Date.now();
    switch (event.kind) {
      case 'charge': {
        const period = billingPeriods(new Date(current.termStartedAt), current, current.timing.month)[
          current.chargedPeriods
        ]!;
        const key = `term${current.renewalCount}:period${period.index}`;
        current.chargedPeriods += 1;
        current.batches = chargeBatchesForPeriod(current.batches, current.offer.unitPrice, period.months);
        await save(
          current,
          { actor: 'workflow', action: 'subscription.period_charged', key, details: { period: period.index } },
          [
            {
              key,
              kind: 'charge',
              periodStart: period.start.toISOString(),
              periodEnd: period.end.toISOString(),
              quantity: current.quantity,
              amount: periodCharge(current.offer.unitPrice, period.months, current.quantity),
            },
          ],
        );
        return null;
      }
      case 'window': {
        current.windowsClosedUntil = iso(event.at);
        current.batches = mergeClosedBatches(current.batches, new Date(event.at));
        const refundable = refundableQuantities(current.batches, new Date(event.at));
        await save(current, {
          actor: 'workflow',
          action: 'subscription.cancellation_window_closed',
          key: `window:${iso(event.at)}`,
          details: { refundableQuantities: refundable },
        });
        return null;
      }
      case 'notice': {
        current.renewalNoticeSent = true;
        const renews = current.status === 'active' && current.autoRenew;
        await steps.sendRenewalNotice({
          key: `subscription:${current.subscriptionId}:term${current.renewalCount}:notice`,
          subscriptionId: current.subscriptionId,
          customerId: current.customerId,
          offerName: current.offer.name,
          termEndsAt: current.termEndsAt,
          renews,
          scheduledChanges: renews ? current.scheduledChanges : null,
        });
        return null;
      }
      case 'termEnd':
        return current.status === 'active' && current.autoRenew ? renew(current) : expire(current, now);
      case 'disable':
        setStatus(current, 'disabled', event.at);
        await save(current, { actor: 'workflow', action: 'subscription.disabled', key: 'disabled', details: {} });
        return null;
      case 'delete':
        setStatus(current, 'deleted', event.at);
        await save(current, { actor: 'workflow', action: 'subscription.deleted', key: 'deleted', details: {} });
        return null;
    }
  }

  async function expire(current: SubscriptionState, now: number): Promise<null> {
    const wasSuspended = current.status === 'suspended';
    current.scheduledChanges = null;
    setStatus(current, 'expired', Math.max(now, at(current.termEndsAt)));
    current.statusSince = current.termEndsAt;
    await save(current, {
      actor: 'workflow',
      action: 'subscription.expired',
      key: `term${current.renewalCount}:expired`,
      details: { suspended: wasSuspended },
    });
    return null;
  }

  /** A new term begins where the last one ended, with the scheduled changes applied and a new cancellation window. */
  async function renew(current: SubscriptionState): Promise<SubscriptionState> {
    const changes = current.scheduledChanges ?? {};
    const offer = await steps.loadOffer({ offerId: changes.offerId ?? current.offer.id });
    const termStartedAt = current.termEndsAt;
    const start = at(termStartedAt);
    const quantity = changes.quantity ?? current.quantity;
    const term = changes.term ?? current.term;
    const next: SubscriptionState = {
      ...current,
      offer,
      quantity,
      term,
      billingFrequency: changes.billingFrequency ?? current.billingFrequency,
      termStartedAt,
      termEndsAt: termEnd(new Date(start), term, current.timing.month).toISOString(),
      renewalCount: current.renewalCount + 1,
      scheduledChanges: null,
      batches: [
        {
          id: 'term',
          quantity,
          purchasedAt: termStartedAt,
          allowedUntil: iso(start + current.timing.cancellationWindowMs),
          chargedPerLicense: 0,
        },
      ],
      cancellationAllowedUntil: iso(start + current.timing.cancellationWindowMs),
      statusSince: termStartedAt,
      chargedPeriods: 0,
      renewalNoticeSent: false,
      windowsClosedUntil: termStartedAt,
    };
    await save(next, {
      actor: 'workflow',
      action: 'subscription.renewed',
      key: `renewal:${next.renewalCount}`,
      details: { appliedChanges: current.scheduledChanges, termEndsAt: next.termEndsAt },
    });
    state = next;
    return next;
  }
}
