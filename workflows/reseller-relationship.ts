import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import type { Activities } from '../activities';
import { relationshipRefusals } from '../src/domain/link-requests';
import {
  acceptRelationshipUpdate,
  declineRelationshipUpdate,
  relationshipStatusQuery,
  revokeRelationshipUpdate,
  type ResellerRelationshipInput,
  type ResellerRelationshipState,
} from './reseller-relationship.messages';
import { linkAnswers } from './link-answers';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from './search-attributes';

const activities = proxyActivities<Activities>(defaultActivityOptions);

/**
 * A provider asks that one of its resellers manage an existing customer. The customer's contact gets
 * a personal link and accepts or declines — often days later; a reminder goes out REMINDER_BEFORE
 * the deadline and the request expires at it. Acceptance associates the reseller with the customer.
 */
export async function resellerRelationshipWorkflow(
  input: ResellerRelationshipInput,
): Promise<ResellerRelationshipState> {
  const state: ResellerRelationshipState = {
    relationshipId: input.relationshipId,
    providerId: input.providerId,
    resellerId: input.resellerId,
    customerId: input.customerId,
    status: 'pending',
    expiresAt: input.expiresAt,
    remindersSent: 0,
    closedAt: null,
  };
  const answers = linkAnswers(state, relationshipRefusals);
  const { refuseUnlessOpen, refuseUnlessPending, close, exclusively } = answers;
  const { relationshipId } = input;

  setHandler(relationshipStatusQuery, () => state);
  setHandler(
    acceptRelationshipUpdate,
    () =>
      exclusively(async () => {
        await activities.acceptResellerRelationship({ relationshipId });
        close('accepted');
        return { status: 'accepted' as const };
      }),
    { validator: () => refuseUnlessOpen() },
  );
  setHandler(
    declineRelationshipUpdate,
    ({ reason }) =>
      exclusively(async () => {
        await activities.closeResellerRelationship({ relationshipId, status: 'declined', reason });
        close('declined');
        return { status: 'declined' as const };
      }),
    { validator: (_answer) => refuseUnlessOpen() },
  );
  setHandler(
    revokeRelationshipUpdate,
    () =>
      exclusively(async () => {
        await activities.closeResellerRelationship({ relationshipId, status: 'revoked' });
        close('revoked');
        return { status: 'revoked' as const };
      }),
    { validator: () => refuseUnlessPending() },
  );

  upsertSearchAttributes([
    { key: ProviderId, value: input.providerId },
    { key: ResellerId, value: input.resellerId },
    { key: CustomerDomain, value: input.customerDomain },
    { key: ProcessStatus, value: 'pending' },
  ]);

  await activities.sendResellerRelationshipLink({ relationshipId });

  const deadline = Date.parse(state.expiresAt);
  const reminderAt = deadline - input.reminderBeforeMs;
  const answered = () => state.status !== 'pending';
  if (reminderAt > Date.now() && !(await condition(answered, reminderAt - Date.now()))) {
    await condition(() => !answers.isBusy());
    if (state.status === 'pending') {
      await activities.sendResellerRelationshipReminder({ relationshipId });
      state.remindersSent += 1;
    }
  }
  if (state.status === 'pending' && deadline > Date.now()) await condition(answered, deadline - Date.now());
  // An answer that arrived just before the deadline is allowed to finish first.
  await condition(() => !answers.isBusy());
  if (state.status === 'pending') {
    await activities.closeResellerRelationship({ relationshipId, status: 'expired' });
    close('expired');
  }
  // Let the update that closed the request reply to its caller before the run completes.
  await condition(allHandlersFinished);
  return state;
}
