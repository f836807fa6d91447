import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage } from '@temporalio/client';
import type { ServiceDeps } from './deps';
import { AppError, notFound, type ErrorCode } from '../domain/errors';
import { isDependencyOutage } from './dependency-outage';
import { businessErrorFrom, isWorkflowClosed } from './temporal-refusals';
import { isUniqueViolation } from '../db/errors';
import { destroyRevealedEscrow, takeCredentialEscrow } from '../db/queries/credential-escrow';
import { getCustomerForPartner } from '../db/queries/customers';
import {
  deleteOnboarding,
  onboardingFacts,
  getOnboardingForProvider,
  reserveOnboarding,
  type Onboarding,
} from '../db/queries/onboardings';
import { getPartnerById, type Partner } from '../db/queries/partners';
import { assessOnboardingRequest } from '../domain/onboarding';
import { listSubscriptions } from '../db/queries/subscriptions';
import { decryptText } from '../security/cipher';
import { onboardingWorkflowId } from '../../workflows/ids';
import { onboardingWorkflow } from '../../workflows/onboarding';
import {
  cancelUpdate,
  submitUpdate,
  tenantDomain,
  type OnboardingRequest,
  type SubmitResult,
} from '../../workflows/onboarding.messages';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from '../../workflows/search-attributes';
import { idFor, keyDigest } from './derived-ids';
import { startOnce } from './start-once';
import { customerView } from '../views/customer';
import { onboardingView, type OnboardingView } from '../views/onboarding';
import { subscriptionView } from '../views/subscription';

/**
 * POST /v1/customer-onboardings: what the database can tell cheaply is answered at once with 422
 * (the first problem's code, every problem in `details`); the workflow checks it all again.
 */
export async function createOnboarding(
  deps: ServiceDeps,
  provider: Partner,
  request: OnboardingRequest,
  idempotencyKey?: string,
): Promise<OnboardingView> {
  const id = idFor('customer-onboarding', [provider.id], idempotencyKey);
  const earlier = idempotencyKey ? await getOnboardingForProvider(deps.db, { id, providerId: provider.id }) : undefined;
  if (earlier) {
    // A retry of a request whose first attempt reserved the draft: make sure its workflow runs.
    await startOnboardingWorkflow(deps, provider, earlier);
    return onboardingView(earlier);
  }
  const { errors } = assessOnboardingRequest(
    request,
    await onboardingFacts(deps.db, { providerId: provider.id, request }),
    new Date(),
  );
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new AppError(first.code as ErrorCode, `${first.field}: ${first.message}`, errors);
  }
  return startOnboarding(deps, provider, request, id);
}

/**
 * Reserves the draft (status `validating`, holding the domain) and starts `customer-onboarding-<id>`.
 * If the workflow cannot be started the reservation is removed, so nothing half-made remains.
 */
export async function startOnboarding(
  deps: ServiceDeps,
  provider: Partner,
  request: OnboardingRequest,
  id: string = randomUUID(),
): Promise<OnboardingView> {
  const domain = tenantDomain(request.company.domainPrefix);
  let onboarding: Onboarding;
  try {
    onboarding = await reserveOnboarding(deps.db, {
      id,
      providerId: provider.id,
      resellerId: request.resellerId,
      domainPrefix: request.company.domainPrefix,
      request,
      workflowId: onboardingWorkflowId(id),
    });
  } catch (error) {
    if (isUniqueViolation(error, 'onboardings_domain_hold_idx')) {
      throw new AppError('DOMAIN_TAKEN', `company.domainPrefix: another onboarding in progress holds ${domain}`, [
        {
          field: 'company.domainPrefix',
          code: 'DOMAIN_TAKEN',
          message: `Another onboarding in progress holds ${domain}`,
        },
      ]);
    }
    throw error;
  }
  await startOnboardingWorkflow(deps, provider, onboarding, () => deleteOnboarding(deps.db, id));
  return onboardingView(onboarding);
}

/** Starts `customer-onboarding-<id>` for a reserved draft (see startOnce). */
async function startOnboardingWorkflow(
  deps: ServiceDeps,
  provider: Partner,
  onboarding: Onboarding,
  undo?: () => Promise<void>,
): Promise<void> {
  const request = onboarding.request as OnboardingRequest;
  const domain = tenantDomain(request.company.domainPrefix);
  const reseller = request.resellerId ? await getPartnerById(deps.db, request.resellerId) : undefined;
  await startOnce(
    deps,
    onboardingWorkflow,
    {
      workflowId: onboarding.workflowId,
      args: [{ onboardingId: onboarding.id, providerId: provider.id, request, reviewTtlMs: deps.config.reviewTtlMs }],
      typedSearchAttributes: [
        { key: ProviderId, value: provider.id },
        { key: CustomerDomain, value: domain },
        { key: ProcessStatus, value: 'validating' },
        ...(request.resellerId ? [{ key: ResellerId, value: request.resellerId }] : []),
      ],
      memo: {
        provider: provider.name,
        customer: request.company.name,
        domain,
        ...(reseller ? { reseller: reseller.name } : {}),
      },
    },
    undo,
    'nothing was created',
  );
}

async function ownOnboarding(deps: ServiceDeps, provider: Partner, id: string): Promise<Onboarding> {
  const onboarding = await getOnboardingForProvider(deps.db, { id, providerId: provider.id });
  if (!onboarding) throw notFound('Onboarding');
  return onboarding;
}

export async function getOnboarding(deps: ServiceDeps, provider: Partner, id: string): Promise<OnboardingView> {
  return onboardingView(await ownOnboarding(deps, provider, id));
}

/** Maps a workflow's refusal of an update to the API's error; a closed workflow takes no more. */
function updateRefusal(error: unknown): Error {
  const business = businessErrorFrom(error);
  if (business) return business;
  if (isWorkflowClosed(error))
    return new AppError('ONBOARDING_NOT_AWAITING_REVIEW', 'The onboarding is no longer awaiting review');
  return error as Error;
}

async function within<T>(ms: number, work: Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The one-time reveal. Without an Idempotency-Key the escrow is destroyed as it is read. With one,
 * the reveal is bound to that key for CREDENTIALS_REPLAY_WINDOW: the same caller repeating the same
 * request (its answer was lost) gets the same credentials; anyone else, and anyone after the window
 * or the caller's acknowledgement (DELETE …/credentials), gets 410.
 */
async function revealCredentials(deps: ServiceDeps, provider: Partner, onboardingId: string, idempotencyKey?: string) {
  const binding = idempotencyKey
    ? { claim: keyDigest(provider.id, idempotencyKey), replayMs: deps.config.credentialsReplayWindowMs }
    : undefined;
  const taken = await takeCredentialEscrow(deps.db, onboardingId, binding);
  if (taken.outcome !== 'revealed')
    throw new AppError('CREDENTIALS_GONE', 'The credentials were already shown once and cannot be shown again');
  return { username: taken.username, temporaryPassword: decryptText(deps.keyRing, taken.passwordEncrypted) };
}

async function completedBody(
  deps: ServiceDeps,
  provider: Partner,
  onboardingId: string,
  result: Extract<SubmitResult, { status: 'completed' }>,
  idempotencyKey?: string,
) {
  const credentials = await revealCredentials(deps, provider, onboardingId, idempotencyKey);
  const customer = await getCustomerForPartner(deps.db, {
    id: result.customerId,
    scope: { role: 'provider', partnerId: provider.id },
  });
  const subscriptions = await listSubscriptions(deps.db, {
    customerId: result.customerId,
    orderId: result.orderId,
    limit: 200,
  });
  return {
    id: onboardingId,
    status: 'completed' as const,
    customer: customer && customerView(customer),
    subscriptions: subscriptions.items.map((row) => subscriptionView(row)),
    credentials,
  };
}

/**
 * Submits a reviewed onboarding: a Workflow Update that only an `awaiting_review` workflow accepts.
 * It waits up to SUBMIT_WAIT (within the answer bound) for provisioning; if that takes longer it
 * answers 202 and the caller fetches the credentials later with POST …/credentials. With an
 * Idempotency-Key the Update id is derived from it, so a retry attaches to the first submit (Temporal
 * answers a known Update id with its outcome, even after the run closed) and gets its answer.
 */
export async function submitOnboarding(deps: ServiceDeps, provider: Partner, id: string, idempotencyKey?: string) {
  const onboarding = await ownOnboarding(deps, provider, id);
  const handle = deps.temporal.workflow.getHandle(onboarding.workflowId);
  const updateId = idempotencyKey ? `submit-${keyDigest(provider.id, idempotencyKey)}` : undefined;
  let result: Promise<SubmitResult>;
  try {
    const update = await handle.startUpdate(submitUpdate, {
      args: [],
      updateId,
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    result = update.result();
  } catch (error) {
    throw updateRefusal(error);
  }
  // Observed even when we stop waiting, so a late rejection is not unhandled.
  result.catch(() => {});
  const outcome = await within(deps.config.submitWaitMs, result).catch((error) => {
    // Out of time within the answer bound: provisioning goes on, as when SUBMIT_WAIT runs out.
    if (isDependencyOutage(error)) return { done: false as const };
    throw updateRefusal(error);
  });
  if (!outcome.done)
    return { status: 202 as const, json: { id, status: 'provisioning' as const, workflowId: onboarding.workflowId } };
  if (outcome.value.status === 'failed') {
    throw new AppError('PROVISIONING_FAILED', `Provisioning failed and was undone: ${outcome.value.failureReason}`, [
      { id, status: 'failed', failureReason: outcome.value.failureReason },
    ]);
  }
  return { status: 200 as const, json: await completedBody(deps, provider, id, outcome.value, idempotencyKey) };
}

/** POST …/credentials: the reveal for a submit that answered 202. 410 once shown (see revealCredentials). */
export async function revealOnboardingCredentials(
  deps: ServiceDeps,
  provider: Partner,
  id: string,
  idempotencyKey?: string,
) {
  const onboarding = await ownOnboarding(deps, provider, id);
  if (onboarding.status !== 'completed') {
    throw new AppError(
      'ONBOARDING_NOT_COMPLETED',
      `The onboarding is ${onboarding.status}; credentials exist once it has completed`,
    );
  }
  return { id, credentials: await revealCredentials(deps, provider, id, idempotencyKey) };
}

/** DELETE …/credentials: the caller has the password; its escrow is destroyed before the replay window ends. */
export async function acknowledgeOnboardingCredentials(deps: ServiceDeps, provider: Partner, id: string) {
  await ownOnboarding(deps, provider, id);
  if (!(await destroyRevealedEscrow(deps.db, id)))
    throw new AppError('CREDENTIALS_GONE', 'No revealed credentials are kept for this onboarding');
  return { id, status: 'destroyed' as const };
}

export async function cancelOnboarding(deps: ServiceDeps, provider: Partner, id: string) {
  const onboarding = await ownOnboarding(deps, provider, id);
  try {
    return await deps.temporal.workflow.getHandle(onboarding.workflowId).executeUpdate(cancelUpdate, { args: [] });
  } catch (error) {
    throw updateRefusal(error);
  }
}
