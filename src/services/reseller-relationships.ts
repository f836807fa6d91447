import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { ApiDeps } from '../api/context';
import { AppError, notFound } from '../api/errors';
import { businessErrorFrom, isWorkflowClosed } from '../api/temporal-errors';
import { getCustomerForPartner } from '../db/queries/customer-orders';
import { findActivePartnerReseller } from '../db/queries/customer-subscriptions';
import { getPartnerById, type Partner } from '../db/queries/partners';
import {
  deleteResellerRelationship,
  getRelationshipByTokenHash,
  getRelationshipForPartner,
  reserveResellerRelationship,
} from '../db/queries/reseller-relationships';
import type { ResellerRelationshipStatus } from '../db/schema';
import { relationshipReader } from '../db/queries/readers';
import { sha256 } from '../security/tokens';
import { relationshipView, type ResellerRelationshipView } from '../views/reseller-relationship';
import { resellerRelationshipWorkflowId } from '../../workflows/ids';
import { resellerRelationshipWorkflow } from '../../workflows/reseller-relationship';
import { acceptRelationshipUpdate, declineRelationshipUpdate, revokeRelationshipUpdate } from '../../workflows/reseller-relationship.messages';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from '../../workflows/search-attributes';


/**
 * Asks the customer's contact to accept a reseller. Refused when the customer already has that
 * reseller (409) or the reseller is not an active partner (422); a pending request for the same
 * pair is returned instead of starting a second one.
 */
export async function requestResellerRelationship(
  deps: ApiDeps,
  provider: Partner,
  customerId: string,
  resellerId: string,
): Promise<{ created: boolean; relationship: ResellerRelationshipView }> {
  const customer = await getCustomerForPartner(deps.db, { customerId, partnerId: provider.id });
  if (!customer || customer.providerId !== provider.id) throw notFound('Customer');
  if (customer.status !== 'active') throw new AppError('CONFLICT', `The customer is ${customer.status}`);
  const reseller = await getPartnerById(deps.db, resellerId);
  if (!reseller || reseller.kind !== 'reseller') throw new AppError('RESELLER_NOT_FOUND', `No reseller has id ${resellerId}`);
  if (customer.resellerId === reseller.id) throw new AppError('ALREADY_MANAGED', `${reseller.name} already manages ${customer.name}`);
  if (!(await findActivePartnerReseller(deps.db, { providerId: provider.id, resellerId }))) {
    throw new AppError('PARTNERSHIP_NOT_ACTIVE', `${reseller.name} is not in an active partnership with you`);
  }

  const id = randomUUID();
  const workflowId = resellerRelationshipWorkflowId(id);
  const expiresAt = new Date(Date.now() + deps.config.invitationTtlMs);
  const reservation = await reserveResellerRelationship(deps.db, { id, providerId: provider.id, customerId, resellerId, expiresAt, workflowId });
  if (!reservation.created) return { created: false, relationship: relationshipView(reservation.relationship) };
  try {
    await deps.temporal.workflow.start(resellerRelationshipWorkflow, {
      taskQueue: deps.config.temporal.taskQueue,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [
        {
          relationshipId: id,
          providerId: provider.id,
          resellerId,
          customerId,
          customerDomain: customer.domain,
          expiresAt: expiresAt.toISOString(),
          reminderBeforeMs: deps.config.reminderBeforeMs,
        },
      ],
      typedSearchAttributes: [
        { key: ProviderId, value: provider.id },
        { key: ResellerId, value: resellerId },
        { key: CustomerDomain, value: customer.domain },
        { key: ProcessStatus, value: 'pending' },
      ],
      memo: { provider: provider.name, customer: customer.name, reseller: reseller.name },
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      await deleteResellerRelationship(deps.db, id);
      deps.logger.error({ err: error, workflowId }, 'could not start the reseller relationship workflow');
      throw new AppError('UNAVAILABLE', 'The workflow service is unavailable; nothing was created, try again');
    }
  }
  return { created: true, relationship: relationshipView(reservation.relationship) };
}

export async function getResellerRelationship(deps: ApiDeps, partner: Partner, id: string): Promise<ResellerRelationshipView> {
  const relationship = await getRelationshipForPartner(deps.db, { id, partnerId: partner.id });
  if (!relationship) throw notFound('Reseller relationship');
  return relationshipView(relationship);
}

function closedRelationshipError(status: ResellerRelationshipStatus): AppError {
  if (status === 'expired') return new AppError('RELATIONSHIP_EXPIRED', 'The request has expired');
  if (status === 'revoked') return new AppError('RELATIONSHIP_REVOKED', 'The request was revoked');
  return new AppError('RELATIONSHIP_NOT_PENDING', `The request is already ${status}`);
}

/** Sends an update to the relationship's workflow and maps its refusals to API errors. */
async function updateRelationship<T>(
  deps: ApiDeps,
  relationship: { workflowId: string; status: ResellerRelationshipStatus },
  send: (handle: ReturnType<ApiDeps['temporal']['workflow']['getHandle']>) => Promise<T>,
): Promise<T> {
  if (relationship.status !== 'pending') throw closedRelationshipError(relationship.status);
  try {
    return await send(deps.temporal.workflow.getHandle(relationship.workflowId));
  } catch (error) {
    const business = businessErrorFrom(error);
    if (business) throw business;
    if (isWorkflowClosed(error)) throw new AppError('RELATIONSHIP_NOT_PENDING', 'The request is no longer pending');
    throw error;
  }
}

/** The provider withdraws a pending request; the link stops working. */
export async function revokeResellerRelationship(deps: ApiDeps, provider: Partner, id: string): Promise<ResellerRelationshipView> {
  const relationship = await getRelationshipForPartner(deps.db, { id, partnerId: provider.id });
  if (!relationship || relationship.providerId !== provider.id) throw notFound('Reseller relationship');
  // For the provider, any closed request is a state conflict; 410 is for the link holder.
  if (relationship.status !== 'pending') throw new AppError('RELATIONSHIP_NOT_PENDING', `The request is already ${relationship.status}`);
  await updateRelationship(deps, relationship, (handle) => handle.executeUpdate(revokeRelationshipUpdate, { args: [] }));
  return getResellerRelationship(deps, provider, id);
}

/** The request a link points at; the token is only ever compared by its hash. */
export async function relationshipByToken(deps: ApiDeps, token: string) {
  const relationship = await getRelationshipByTokenHash(deps.db, sha256(token));
  if (!relationship) throw notFound('Reseller relationship');
  const expired = relationship.status === 'pending' && relationship.expiresAt.getTime() <= Date.now();
  return { ...relationship, status: expired ? ('expired' as const) : relationship.status, reader: relationshipReader(relationship.customer) };
}

export async function acceptRelationshipLink(deps: ApiDeps, token: string) {
  const relationship = await relationshipByToken(deps, token);
  await updateRelationship(deps, relationship, (handle) => handle.executeUpdate(acceptRelationshipUpdate, { args: [] }));
  const { provider: _p, reseller, customer: _c, reader: _r, ...rest } = await relationshipByToken(deps, token);
  return { status: 'accepted' as const, relationship: relationshipView(rest), reseller: { name: reseller.name, partnerId: reseller.partnerId } };
}

export async function declineRelationshipLink(deps: ApiDeps, token: string, reason?: string) {
  const relationship = await relationshipByToken(deps, token);
  await updateRelationship(deps, relationship, (handle) => handle.executeUpdate(declineRelationshipUpdate, { args: [{ reason }] }));
  return { status: 'declined' as const };
}
