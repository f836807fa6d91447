import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import { causeChain } from '../src/domain/cause-chain';
import type { Activities } from '../activities';
import { businessFailure } from './failures';
import {
  cancelUpdate,
  statusQuery,
  submitUpdate,
  tenantDomain,
  type OnboardingInput,
  type OnboardingState,
  type ProvisioningStep,
  type SubmitResult,
} from './onboarding.messages';
import { startSubscriptionWorkflows } from './subscription-start';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from './search-attributes';

// Infrastructure errors retry until they pass; business refusals are non-retryable and compensate.
const activities = proxyActivities<Activities>(defaultActivityOptions);

/** The most specific message of a failure, for the onboarding's failure reason. */
function reasonOf(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (const cause of causeChain(error)) {
    if (cause instanceof ApplicationFailure && cause.message) message = cause.message;
  }
  return error instanceof ActivityFailure || error instanceof ApplicationFailure
    ? message
    : `internal error: ${message}`;
}

/**
 * A provider creates a customer, optionally on a reseller's behalf. The request is validated, then
 * held for review until the provider submits or cancels it (or REVIEW_TTL passes). Submitting runs
 * the provisioning saga — tenant, admin user, order, subscriptions, reseller association — and any
 * failure undoes the completed steps in reverse, so nothing half-made stays active.
 */
export async function onboardingWorkflow(input: OnboardingInput): Promise<OnboardingState> {
  const { request } = input;
  const state: OnboardingState = {
    onboardingId: input.onboardingId,
    providerId: input.providerId,
    resellerId: request.resellerId ?? null,
    domain: tenantDomain(request.company.domainPrefix),
    status: 'validating',
    review: null,
    errors: null,
    customerId: null,
    adminUsername: null,
    orderId: null,
    subscriptionIds: [],
    step: null,
    failureReason: null,
    closedAt: null,
  };

  const setStatus = (status: OnboardingState['status']) => {
    state.status = status;
    if (!['validating', 'awaiting_review', 'provisioning'].includes(status)) state.closedAt = new Date().toISOString();
    upsertSearchAttributes([{ key: ProcessStatus, value: status }]);
  };
  const refuseUnlessAwaitingReview = () => {
    if (state.status !== 'awaiting_review') {
      throw businessFailure('ONBOARDING_NOT_AWAITING_REVIEW', `The onboarding is ${state.status}, not awaiting review`);
    }
  };

  setHandler(statusQuery, () => state);

  setHandler(
    submitUpdate,
    async (): Promise<SubmitResult> => {
      // Checked again here: two submits validated in the same workflow task must not both proceed.
      refuseUnlessAwaitingReview();
      setStatus('provisioning');
      await condition(() => state.status !== 'provisioning');
      if (state.status === 'completed') {
        return {
          status: 'completed',
          customerId: state.customerId!,
          orderId: state.orderId!,
          subscriptionIds: state.subscriptionIds,
          adminUsername: state.adminUsername!,
        };
      }
      return { status: 'failed', failureReason: state.failureReason ?? 'provisioning failed' };
    },
    { validator: refuseUnlessAwaitingReview },
  );

  setHandler(
    cancelUpdate,
    async () => {
      refuseUnlessAwaitingReview();
      // Claimed before the activity runs, so a submit arriving meanwhile is refused.
      state.status = 'cancelled';
      await activities.closeOnboarding({ onboardingId: input.onboardingId, status: 'cancelled' });
      setStatus('cancelled');
      return { status: 'cancelled' as const };
    },
    { validator: refuseUnlessAwaitingReview },
  );

  upsertSearchAttributes([
    { key: ProviderId, value: input.providerId },
    { key: CustomerDomain, value: state.domain },
    { key: ProcessStatus, value: 'validating' },
    ...(request.resellerId ? [{ key: ResellerId, value: request.resellerId }] : []),
  ]);

  const reviewExpiresAt = new Date(Date.now() + input.reviewTtlMs).toISOString();
  const validation = await activities.validateOnboarding({ onboardingId: input.onboardingId, reviewExpiresAt });
  if (!validation.review) {
    state.errors = validation.errors;
    setStatus('rejected');
    await activities.recordValidation({ onboardingId: input.onboardingId, errors: validation.errors });
    return state;
  }
  // The workflow accepts submit before the database shows awaiting_review, never after.
  state.review = validation.review;
  setStatus('awaiting_review');
  await activities.recordValidation({ onboardingId: input.onboardingId, review: validation.review });

  const decided = await condition(
    () => state.status !== 'awaiting_review',
    Math.max(1, Date.parse(reviewExpiresAt) - Date.now()),
  );
  if (!decided) {
    state.status = 'expired';
    await activities.closeOnboarding({ onboardingId: input.onboardingId, status: 'expired' });
    setStatus('expired');
  } else if (state.status === 'provisioning') {
    await provision(input, state, setStatus);
  }

  // Let the update that ended the onboarding answer its caller before the run completes.
  await condition(allHandlersFinished);
  return state;
}

async function provision(
  input: OnboardingInput,
  state: OnboardingState,
  setStatus: (status: OnboardingState['status']) => void,
): Promise<void> {
  const { onboardingId, request } = input;
  const review = state.review!;
  const compensations: Array<{ step: ProvisioningStep; undo: () => Promise<void> }> = [];

  /**
   * Runs one saga step. Its compensation is registered even when the step fails, because a step
   * may fail after committing (a timeout, a lost reply); every compensation is a no-op when there
   * is nothing to undo.
   */
  async function step<T>(name: ProvisioningStep, run: () => Promise<T>, undo: () => Promise<void>): Promise<T> {
    state.step = name;
    compensations.push({ step: name, undo });
    return run();
  }

  await activities.beginProvisioning({ onboardingId });
  const customerId = uuid4();
  const orderId = uuid4();
  state.customerId = customerId;
  try {
    await step(
      'createTenant',
      () => activities.createCustomerTenant({ onboardingId, customerId }),
      () => activities.deleteCustomerTenant({ customerId, reason: `onboarding ${onboardingId} failed` }),
    );
    const admin = await step(
      'createAdminUser',
      () => activities.createAdminUser({ onboardingId, customerId }),
      () => activities.deleteAdminUser({ onboardingId, customerId }),
    );
    state.adminUsername = admin.username;

    const actor = `partner:${input.providerId}`;
    await step(
      'placeOrder',
      () =>
        activities.placeOrder({
          orderId,
          providerId: input.providerId,
          customerId,
          onboardingId,
          actor,
          lines: review.lineItems.map((line) => ({
            lineNumber: line.lineNumber,
            offerId: line.offerId,
            quantity: line.quantity,
            partnerIdOnRecord: review.partnerOfRecord.partnerId,
            term: line.term,
            billingFrequency: line.billingFrequency,
          })),
        }),
      () => activities.cancelOrder({ orderId, reason: `onboarding ${onboardingId} failed` }),
    );
    state.orderId = orderId;

    const provisioned = await step(
      'provisionSubscriptions',
      () => activities.provisionSubscriptions({ orderId, customerId, actor }),
      () => activities.cancelSubscriptions({ orderId, reason: `onboarding ${onboardingId} failed` }),
    );
    state.subscriptionIds = provisioned.map((subscription) => subscription.id);

    if (request.resellerId || request.supportContactResellerId) {
      await step(
        'associateReseller',
        () => activities.associateReseller({ onboardingId, customerId, orderId }),
        () => activities.dissociateReseller({ onboardingId, customerId, orderId }),
      );
    }

    // Before the onboarding shows completed, so every subscription it reports already takes changes.
    await startSubscriptionWorkflows(state.subscriptionIds, {
      customerId,
      providerId: input.providerId,
      customerDomain: state.domain,
      resellerId: request.resellerId ?? null,
    });
    await activities.completeOnboarding({ onboardingId, customerId });
    state.step = null;
    setStatus('completed');
  } catch (error) {
    state.failureReason = `${state.step}: ${reasonOf(error)}`;
    for (const { step: name, undo } of compensations.reverse()) {
      state.step = name;
      await undo();
    }
    state.step = null;
    await activities.failOnboarding({ onboardingId, reason: state.failureReason });
    setStatus('failed');
  }
}
