import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { orderWorkflow } from '../../workflows/order';
import type { OrderStep } from '../../workflows/order.messages';
import { orderWorkflowId, subscriptionWorkflowId } from '../../workflows/ids';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { bundleBeforeSubscriptionWorkflowsPatch } from './pre-patch';
import { childSubscriptions } from './provisioning.fakes';
import { timeSkippingServerPerFile, onWorker } from './support';

type OrderActivities = Pick<
  Activities,
  | 'validateCustomerOrder'
  | 'placeCustomerOrder'
  | 'provisionCustomerOrder'
  | 'creditCustomerOrderPartners'
  | 'designateCustomerOrderSupportContact'
  | 'completeCustomerOrder'
  | 'failCustomerOrder'
  | 'cancelCustomerOrderSubscriptions'
>;

/** The order's steps in their order, each with the activity that runs it. */
const steps: Array<[Exclude<OrderStep, 'compensating' | 'done'>, keyof OrderActivities]> = [
  ['validating', 'validateCustomerOrder'],
  ['placing', 'placeCustomerOrder'],
  ['provisioning', 'provisionCustomerOrder'],
  ['crediting', 'creditCustomerOrderPartners'],
  ['designating_support_contact', 'designateCustomerOrderSupportContact'],
  ['completing', 'completeCustomerOrder'],
];

const server = timeSkippingServerPerFile();

/** Runs one order on its own worker; `failAt` makes that step's activity refuse (a business failure, as PARTNERSHIP_NOT_ACTIVE is). */
async function runOrder(options: {
  failAt?: keyof OrderActivities;
  workflowBundle?: WorkflowBundleOption;
  history: string;
}) {
  const children = childSubscriptions(server.env);
  const refuseAt = async (name: keyof OrderActivities) => {
    if (options.failAt === name)
      throw ApplicationFailure.nonRetryable('The partnership is no longer active', 'PARTNERSHIP_NOT_ACTIVE');
  };
  const fakes: OrderActivities = {
    validateCustomerOrder: () => refuseAt('validateCustomerOrder'),
    placeCustomerOrder: () => refuseAt('placeCustomerOrder'),
    provisionCustomerOrder: async () => {
      await refuseAt('provisionCustomerOrder');
      return children.provisioned([randomUUID(), randomUUID()]);
    },
    creditCustomerOrderPartners: () => refuseAt('creditCustomerOrderPartners'),
    designateCustomerOrderSupportContact: () => refuseAt('designateCustomerOrderSupportContact'),
    completeCustomerOrder: () => refuseAt('completeCustomerOrder'),
    failCustomerOrder: async () => {},
    cancelCustomerOrderSubscriptions: async () => {},
  };
  const recorder = recordCalls(fakes);
  const orderId = randomUUID();
  const result = await onWorker(
    server.env,
    { ...children.activities, ...recorder.activities },
    async (taskQueue) => {
      const handle = await server.env.client.workflow.start(orderWorkflow, {
        taskQueue,
        workflowId: orderWorkflowId(orderId),
        args: [
          {
            orderId,
            providerId: 'provider-1',
            customerId: 'customer-1',
            customerDomain: 'contoso.onmicrosoft.com',
            resellerId: 'reseller-1',
          },
        ],
      });
      const state = await handle.result();
      await keepHistory(handle, options.history);
      return state;
    },
    options.workflowBundle,
  );
  return { orderId, result, ...recorder };
}

/** Whether `subscription-<id>` was started; terminates it, so it does not run on past the test. */
async function subscriptionWorkflowStarted(subscriptionId: string): Promise<boolean> {
  const handle = server.env.client.workflow.getHandle(subscriptionWorkflowId(subscriptionId));
  try {
    await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
  await handle.terminate('test done');
  return true;
}

describe('order workflow (time-skipping)', () => {
  it('completes: every step once, in order, no compensation, and one subscription workflow per new subscription', async () => {
    const { orderId, result, calls } = await runOrder({ history: 'order-completed' });
    expect(result).toMatchObject({ status: 'completed', step: 'done', failure: null });
    expect(result.subscriptionIds).toHaveLength(2);
    expect(calls).toEqual(steps.map(([, name]) => ({ name, input: { orderId } })));
    for (const id of result.subscriptionIds) expect(await subscriptionWorkflowStarted(id)).toBe(true);
  });

  for (const [index, [step, failing]] of steps.entries()) {
    const provisioned = index > steps.findIndex(([, name]) => name === 'provisionCustomerOrder');
    it(`a refusal while ${step} fails the order with its code${provisioned ? ' and cancels the subscriptions made' : ', with nothing to cancel'}`, async () => {
      const { orderId, result, names, inputsOf } = await runOrder({ failAt: failing, history: `order-failed-${step}` });
      expect(result).toMatchObject({
        status: 'failed',
        step: 'done',
        failure: { code: 'PARTNERSHIP_NOT_ACTIVE', message: 'The partnership is no longer active' },
      });
      expect(names()).toEqual([
        ...steps.slice(0, index + 1).map(([, name]) => name),
        ...(provisioned ? ['cancelCustomerOrderSubscriptions'] : []),
        'failCustomerOrder',
      ]);
      expect(inputsOf('failCustomerOrder')).toEqual([
        { orderId, code: 'PARTNERSHIP_NOT_ACTIVE', reason: 'The partnership is no longer active' },
      ]);
    });
  }

  it('before the subscription-workflows patch, an order completed without starting subscription workflows (the history the patch keeps replayable)', async () => {
    const { result, names } = await runOrder({
      workflowBundle: await bundleBeforeSubscriptionWorkflowsPatch(),
      history: 'order-completed-before-subscription-workflows-patch',
    });
    expect(result.status).toBe('completed');
    expect(names()).toEqual(steps.map(([, name]) => name));
    for (const id of result.subscriptionIds) expect(await subscriptionWorkflowStarted(id)).toBe(false);
  });
});
