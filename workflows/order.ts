import { ApplicationFailure, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import { findCause } from '../src/domain/cause-chain';
import type { Activities } from '../activities';
import { orderStatusQuery, type OrderInput, type OrderState, type OrderStep } from './order.messages';
import { startSubscriptionWorkflows } from './subscription-start';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from './search-attributes';

const activities = proxyActivities<Activities>(defaultActivityOptions);

function businessRefusalOf(error: unknown): ApplicationFailure | undefined {
  return findCause(
    error,
    (cause): cause is ApplicationFailure => cause instanceof ApplicationFailure && cause.nonRetryable === true,
  );
}

/**
 * New subscriptions for an existing customer. An order must never be placed twice: every step is an
 * idempotent activity keyed by the order id, so a worker killed mid-step resumes without duplicates.
 * A business refusal after subscriptions exist (a partnership removed meanwhile) cancels them again,
 * so a failed order leaves nothing active behind.
 */
export async function orderWorkflow(input: OrderInput): Promise<OrderState> {
  const state: OrderState = {
    orderId: input.orderId,
    customerId: input.customerId,
    providerId: input.providerId,
    status: 'pending',
    step: 'validating',
    subscriptionIds: [],
    failure: null,
  };
  setHandler(orderStatusQuery, () => state);
  upsertSearchAttributes([
    { key: ProviderId, value: input.providerId },
    { key: CustomerDomain, value: input.customerDomain },
    { key: ProcessStatus, value: 'pending' },
    ...(input.resellerId ? [{ key: ResellerId, value: input.resellerId }] : []),
  ]);
  const step = (next: OrderStep) => {
    state.step = next;
  };
  const compensations: Array<() => Promise<void>> = [];
  const { orderId } = input;

  try {
    step('validating');
    await activities.validateCustomerOrder({ orderId });
    step('placing');
    await activities.placeCustomerOrder({ orderId });
    step('provisioning');
    state.subscriptionIds = await activities.provisionCustomerOrder({ orderId });
    compensations.unshift(() => activities.cancelCustomerOrderSubscriptions({ orderId }));
    step('crediting');
    await activities.creditCustomerOrderPartners({ orderId });
    step('designating_support_contact');
    await activities.designateCustomerOrderSupportContact({ orderId });
    // Before the order shows completed, so every subscription it reports already takes changes.
    await startSubscriptionWorkflows(state.subscriptionIds, {
      customerId: input.customerId,
      providerId: input.providerId,
      customerDomain: input.customerDomain,
      resellerId: input.resellerId,
    });
    step('completing');
    await activities.completeCustomerOrder({ orderId });
    state.status = 'completed';
  } catch (error) {
    const refusal = businessRefusalOf(error);
    if (!refusal) throw error;
    step('compensating');
    for (const compensate of compensations) await compensate();
    state.failure = { code: refusal.type ?? 'FAILED', message: refusal.message };
    await activities.failCustomerOrder({ orderId, code: state.failure.code, reason: refusal.message });
    state.status = 'failed';
  }
  step('done');
  upsertSearchAttributes([{ key: ProcessStatus, value: state.status }]);
  return state;
}
