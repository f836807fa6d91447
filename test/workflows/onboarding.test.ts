import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { onboardingWorkflow } from '../../workflows/onboarding';
import {
  cancelUpdate,
  provisioningSteps,
  submitUpdate,
  type OnboardingRequest,
  type OnboardingReview,
  type ProvisioningStep,
} from '../../workflows/onboarding.messages';
import { onboardingWorkflowId, subscriptionWorkflowId } from '../../workflows/ids';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { childSubscriptions } from './provisioning.fakes';
import { DAY, timeSkippingServerPerFile, waitUntil, onWorker } from './support';

type OnboardingActivities = Pick<
  Activities,
  | 'validateOnboarding'
  | 'recordValidation'
  | 'closeOnboarding'
  | 'beginProvisioning'
  | 'createCustomerTenant'
  | 'deleteCustomerTenant'
  | 'createAdminUser'
  | 'deleteAdminUser'
  | 'placeOrder'
  | 'cancelOrder'
  | 'provisionSubscriptions'
  | 'cancelSubscriptions'
  | 'associateReseller'
  | 'dissociateReseller'
  | 'completeOnboarding'
  | 'failOnboarding'
>;

/** Each saga step's activity and its compensation, in the saga's order. */
const sagaActivities: Record<ProvisioningStep, { run: keyof OnboardingActivities; undo: keyof OnboardingActivities }> =
  {
    createTenant: { run: 'createCustomerTenant', undo: 'deleteCustomerTenant' },
    createAdminUser: { run: 'createAdminUser', undo: 'deleteAdminUser' },
    placeOrder: { run: 'placeOrder', undo: 'cancelOrder' },
    provisionSubscriptions: { run: 'provisionSubscriptions', undo: 'cancelSubscriptions' },
    associateReseller: { run: 'associateReseller', undo: 'dissociateReseller' },
  };

const REVIEW_TTL = 7 * DAY;

const server = timeSkippingServerPerFile();

const request: OnboardingRequest = {
  resellerId: 'reseller-1',
  company: {
    name: 'Contoso',
    domainPrefix: 'contoso',
    country: 'ES',
    address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013' },
  },
  contact: { firstName: 'Ana', lastName: 'García', email: 'ana@contoso.example' },
  items: [{ offerId: 'm365-e3', quantity: 10 }],
};

const review: OnboardingReview = {
  lineItems: [
    {
      lineNumber: 1,
      offerId: 'm365-e3',
      offerName: 'Microsoft 365 E3',
      quantity: 10,
      unitPrice: 3600,
      lineTotal: 36000,
      currency: 'EUR',
      billingCycle: 'monthly',
      term: 'P1Y',
      billingFrequency: 'monthly',
    },
  ],
  total: 36000,
  currency: 'EUR',
  customer: {
    company: { ...request.company, domain: 'contoso.onmicrosoft.com' },
    contact: request.contact,
    adminUsername: 'admin@contoso.onmicrosoft.com',
  },
  reseller: { id: 'reseller-1', name: 'Fabrikam', partnerId: '2000001' },
  partnerOfRecord: { credited: false, partnerId: null },
  supportContact: null,
  expiresAt: '2030-01-01T00:00:00.000Z',
};

/**
 * The onboarding activities as in-memory fakes; `failAt` makes that saga step refuse (a business
 * failure, non-retryable, as the real activity's DOMAIN_TAKEN is), `errors` makes validation refuse.
 */
function fakes(options: { failAt?: ProvisioningStep; errors?: boolean }) {
  const children = childSubscriptions(server.env);
  const refuseAt = async (step: ProvisioningStep) => {
    if (options.failAt === step) throw ApplicationFailure.nonRetryable(`${step} refused`, 'DOMAIN_TAKEN');
  };
  const fake: OnboardingActivities = {
    validateOnboarding: async () =>
      options.errors
        ? { errors: [{ field: 'items.0.quantity', code: 'QUANTITY_OUT_OF_BOUNDS', message: 'too many' }], review: null }
        : { errors: [], review },
    recordValidation: async () => {},
    closeOnboarding: async () => {},
    beginProvisioning: async () => {},
    createCustomerTenant: () => refuseAt('createTenant'),
    deleteCustomerTenant: async () => {},
    createAdminUser: async () => {
      await refuseAt('createAdminUser');
      return { username: 'admin@contoso.onmicrosoft.com' };
    },
    deleteAdminUser: async () => {},
    placeOrder: async ({ orderId }) => {
      await refuseAt('placeOrder');
      return { orderId, lineIds: ['line-1'] };
    },
    cancelOrder: async () => {},
    provisionSubscriptions: async () => {
      await refuseAt('provisionSubscriptions');
      const [id] = await children.provisioned([randomUUID()]);
      return [{ id: id!, orderLineId: 'line-1', offerId: 'm365-e3', quantity: 10 }];
    },
    cancelSubscriptions: async () => {},
    associateReseller: () => refuseAt('associateReseller'),
    dissociateReseller: async () => {},
    completeOnboarding: async () => {},
    failOnboarding: async () => {},
  };
  return { ...recordCalls(fake), childActivities: children.activities };
}

/** Starts an onboarding on a worker of its own and runs `scenario` once it awaits review (or was rejected). */
async function withOnboarding(
  options: { failAt?: ProvisioningStep; errors?: boolean; request?: OnboardingRequest },
  scenario: (
    run: {
      onboardingId: string;
      handle: Awaited<ReturnType<typeof server.env.client.workflow.start<typeof onboardingWorkflow>>>;
    } & ReturnType<typeof fakes>,
  ) => Promise<void>,
): Promise<void> {
  const recorder = fakes(options);
  await onWorker(server.env, { ...recorder.childActivities, ...recorder.activities }, async (taskQueue) => {
    const onboardingId = randomUUID();
    const handle = await server.env.client.workflow.start(onboardingWorkflow, {
      taskQueue,
      workflowId: onboardingWorkflowId(onboardingId),
      args: [{ onboardingId, providerId: 'provider-1', request: options.request ?? request, reviewTtlMs: REVIEW_TTL }],
    });
    await waitUntil(() => recorder.names().includes('recordValidation'));
    await scenario({ onboardingId, handle, ...recorder });
  });
}

describe('onboarding workflow (time-skipping)', () => {
  it('a request refused by validation is rejected with its field errors; nothing is provisioned', async () => {
    await withOnboarding({ errors: true }, async ({ onboardingId, handle, names, inputsOf }) => {
      const result = await handle.result();
      expect(result).toMatchObject({
        status: 'rejected',
        errors: [{ field: 'items.0.quantity', code: 'QUANTITY_OUT_OF_BOUNDS' }],
      });
      expect(names()).toEqual(['validateOnboarding', 'recordValidation']);
      expect(inputsOf('recordValidation')).toEqual([{ onboardingId, errors: result.errors }]);
      await keepHistory(handle, 'onboarding-rejected');
    });
  });

  it('expires when nobody submits or cancels within the review TTL (7 days)', async () => {
    await withOnboarding({}, async ({ onboardingId, handle, names, inputsOf }) => {
      expect((await handle.result()).status).toBe('expired');
      expect(names()).toEqual(['validateOnboarding', 'recordValidation', 'closeOnboarding']);
      expect(inputsOf('closeOnboarding')).toEqual([{ onboardingId, status: 'expired' }]);
      const [validation] = inputsOf('validateOnboarding') as Array<{ reviewExpiresAt: string }>;
      expect(
        Date.parse(validation!.reviewExpiresAt) - Date.parse((await handle.describe()).startTime.toISOString()),
      ).toBeGreaterThanOrEqual(REVIEW_TTL - 1000);
      await keepHistory(handle, 'onboarding-review-expired');
    });
  });

  it('cancelled during review: closed as cancelled, nothing is provisioned', async () => {
    await withOnboarding({}, async ({ onboardingId, handle, names, inputsOf }) => {
      await server.env.sleep(DAY);
      expect(await handle.executeUpdate(cancelUpdate)).toEqual({ status: 'cancelled' });
      expect((await handle.result()).status).toBe('cancelled');
      expect(names()).toEqual(['validateOnboarding', 'recordValidation', 'closeOnboarding']);
      expect(inputsOf('closeOnboarding')).toEqual([{ onboardingId, status: 'cancelled' }]);
      await keepHistory(handle, 'onboarding-cancelled');
    });
  });

  it('submitted: every saga step runs in order, no compensation, and each subscription gets its own workflow', async () => {
    await withOnboarding({}, async ({ onboardingId, handle, names, inputsOf }) => {
      const submitted = await handle.executeUpdate(submitUpdate);
      expect(submitted).toMatchObject({ status: 'completed', adminUsername: 'admin@contoso.onmicrosoft.com' });
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'completed', step: null, failureReason: null });
      expect(names()).toEqual([
        'validateOnboarding',
        'recordValidation',
        'beginProvisioning',
        ...provisioningSteps.map((step) => sagaActivities[step].run),
        'completeOnboarding',
      ]);
      expect(inputsOf('completeOnboarding')).toEqual([{ onboardingId, customerId: result.customerId }]);
      expect(inputsOf('placeOrder')).toEqual([
        expect.objectContaining({
          orderId: result.orderId,
          customerId: result.customerId,
          lines: [expect.objectContaining({ offerId: 'm365-e3', quantity: 10, term: 'P1Y' })],
        }),
      ]);
      expect(submitted).toMatchObject({ status: 'completed', subscriptionIds: result.subscriptionIds });
      const child = server.env.client.workflow.getHandle(subscriptionWorkflowId(result.subscriptionIds[0]!));
      expect((await child.describe()).status.name).toBe('RUNNING');
      await child.terminate('test done');
      await keepHistory(handle, 'onboarding-completed');
    });
  });

  it('submitted without a reseller: no reseller step and no dissociation', async () => {
    const direct: OnboardingRequest = { ...request, resellerId: undefined };
    await withOnboarding({ request: direct, failAt: 'provisionSubscriptions' }, async ({ handle, names }) => {
      expect(await handle.executeUpdate(submitUpdate)).toMatchObject({ status: 'failed' });
      await handle.result();
      expect(names()).not.toContain('associateReseller');
      expect(names()).not.toContain('dissociateReseller');
      expect(names()).toContain('cancelSubscriptions');
    });
  });

  for (const [index, failing] of provisioningSteps.entries()) {
    it(`a refusal at ${failing} undoes it and every earlier step in reverse order, never a later one; the onboarding fails with the reason`, async () => {
      await withOnboarding({ failAt: failing }, async ({ onboardingId, handle, names, inputsOf }) => {
        const submitted = await handle.executeUpdate(submitUpdate);
        expect(submitted).toEqual({ status: 'failed', failureReason: `${failing}: ${failing} refused` });
        expect(await handle.result()).toMatchObject({
          status: 'failed',
          step: null,
          failureReason: `${failing}: ${failing} refused`,
        });
        const done = provisioningSteps.slice(0, index + 1);
        expect(names()).toEqual([
          'validateOnboarding',
          'recordValidation',
          'beginProvisioning',
          ...done.map((step) => sagaActivities[step].run),
          ...done.reverse().map((step) => sagaActivities[step].undo),
          'failOnboarding',
        ]);
        expect(inputsOf('failOnboarding')).toEqual([{ onboardingId, reason: `${failing}: ${failing} refused` }]);
        await keepHistory(handle, `onboarding-failed-at-${failing}`);
      });
    });
  }
});
