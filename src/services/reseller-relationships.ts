import { randomUUID } from 'node:crypto';
import type { ServiceDeps } from './deps';
import { AppError, notFound } from '../domain/errors';
import { getCustomerForPartner } from '../db/queries/customer-orders';
import { findActivePartnerReseller } from '../db/queries/customer-subscriptions';
import { getPartnerById, type Partner } from '../db/queries/partners';
import {
  deleteResellerRelationship,
  getRelationshipByTokenHash,
  getRelationshipForPartner,
  reserveResellerRelationship,
} from '../db/queries/reseller-relationships';
import { relationshipReader } from '../db/queries/readers';
import { relationshipRefusals } from '../domain/link-requests';
import { notPendingError, requestByLinkToken, updateLinkRequest } from './link-requests';
import { startOnce } from './start-once';
import { sha256 } from '../security/tokens';
import { relationshipView, type ResellerRelationshipView } from '../views/reseller-relationship';
import { resellerRelationshipWorkflowId } from '../../workflows/ids';
import { resellerRelationshipWorkflow } from '../../workflows/reseller-relationship';
import {
  acceptRelationshipUpdate,
  declineRelationshipUpdate,
  revokeRelationshipUpdate,
} from '../../workflows/reseller-relationship.messages';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from '../../workflows/search-attributes';

/**
 * Asks the customer's contact to accept a reseller. Refused when the customer already has that
 * reseller (409) or the reseller is not an active partner (422); a pending request for the same
 * pair is returned instead of starting a second one.
 */
export async function requestResellerRelationship(
  deps: ServiceDeps,
  provider: Partner,
  customerId: string,
  resellerId: string,
): Promise<{ created: boolean; relationship: ResellerRelationshipView }> {
  const customer = await getCustomerForPartner(deps.db, { customerId, partnerId: provider.id });
  if (!customer || customer.providerId !== provider.id) throw notFound('Customer');
  if (customer.status !== 'active') throw new AppError('CONFLICT', `The customer is ${customer.status}`);
  const reseller = await getPartnerById(deps.db, resellerId);
  if (!reseller || reseller.kind !== 'reseller')
    throw new AppError('RESELLER_NOT_FOUND', `No reseller has id ${resellerId}`);
  if (customer.resellerId === reseller.id)
    throw new AppError('ALREADY_MANAGED', `${reseller.name} already manages ${customer.name}`);
  if (!(await findActivePartnerReseller(deps.db, { providerId: provider.id, resellerId }))) {
    throw new AppError('PARTNERSHIP_NOT_ACTIVE', `${reseller.name} is not in an active partnership with you`);
  }

  const id = randomUUID();
  const workflowId = resellerRelationshipWorkflowId(id);
  const expiresAt = new Date(Date.now() + deps.config.invitationTtlMs);
  const reservation = await reserveResellerRelationship(deps.db, {
    id,
    providerId: provider.id,
    customerId,
    resellerId,
    expiresAt,
    workflowId,
  });
  if (!reservation.created) return { created: false, relationship: relationshipView(reservation.relationship) };
  await startOnce(
    deps,
    resellerRelationshipWorkflow,
    {
      workflowId,
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
    },
    () => deleteResellerRelationship(deps.db, id),
    'nothing was created',
  );
  return { created: true, relationship: relationshipView(reservation.relationship) };
}

export async function getResellerRelationship(
  deps: ServiceDeps,
  partner: Partner,
  id: string,
): Promise<ResellerRelationshipView> {
  const relationship = await getRelationshipForPartner(deps.db, { id, partnerId: partner.id });
  if (!relationship) throw notFound('Reseller relationship');
  return relationshipView(relationship);
}

/** The provider withdraws a pending request; the link stops working. */
export async function revokeResellerRelationship(
  deps: ServiceDeps,
  provider: Partner,
  id: string,
): Promise<ResellerRelationshipView> {
  const relationship = await getRelationshipForPartner(deps.db, { id, partnerId: provider.id });
  if (!relationship || relationship.providerId !== provider.id) throw notFound('Reseller relationship');
  // For the provider, any closed request is a state conflict; 410 is for the link holder.
  if (relationship.status !== 'pending') throw notPendingError(relationshipRefusals, relationship.status);
  await updateLinkRequest(deps, relationshipRefusals, relationship, (handle) =>
    handle.executeUpdate(revokeRelationshipUpdate, { args: [] }),
  );
  return getResellerRelationship(deps, provider, id);
}

/** The request a link points at; the token is only ever compared by its hash. */
export async function relationshipByToken(deps: ServiceDeps, token: string) {
  const relationship = await requestByLinkToken(
    (tokenHash) => getRelationshipByTokenHash(deps.db, tokenHash),
    token,
    'Reseller relationship',
  );
  return { ...relationship, reader: relationshipReader(relationship.customer) };
}

export async function acceptRelationshipLink(deps: ServiceDeps, token: string) {
  const relationship = await relationshipByToken(deps, token);
  await updateLinkRequest(deps, relationshipRefusals, relationship, (handle) =>
    handle.executeUpdate(acceptRelationshipUpdate, { args: [] }),
  );
  const { provider: _p, reseller, customer: _c, reader: _r, ...rest } = await relationshipByToken(deps, token);
  return {
    status: 'accepted' as const,
    relationship: relationshipView(rest),
    reseller: { name: reseller.name, partnerId: reseller.partnerId },
  };
}

export async function declineRelationshipLink(deps: ServiceDeps, token: string, reason?: string) {
  const relationship = await relationshipByToken(deps, token);
  await updateLinkRequest(deps, relationshipRefusals, relationship, (handle) =>
    handle.executeUpdate(declineRelationshipUpdate, { args: [{ reason }] }),
  );
  return { status: 'declined' as const };
}
