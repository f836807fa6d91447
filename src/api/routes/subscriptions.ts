import { z } from 'zod';
import { identifier, publicPartnerId, singleLine, uuid } from '../../domain/text';
import { billingFrequencies, subscriptionTerms } from '../../domain/subscription-billing';
import {
  cancelSubscription,
  patchSubscription,
  reactivateSubscription,
  scheduleSubscriptionChanges,
  setSupportContact,
  suspendSubscription,
} from '../../services/subscriptions';
import type { ApiDeps } from '../context';
import { patchOf, type ApiBuilder } from '../route';
import {
  cancelledSubscriptionSchema,
  subscriptionSchema,
  subscriptionWithRemovalSchema,
} from '../../views/subscription';

const subscriptionParams = z.object({
  id: uuid,
  subscriptionId: uuid,
});

const patchBody = patchOf({
  offerId: identifier(100).describe(
    'changes the offer now (an upgrade): same currency, taking the current quantity and selling the current term and billing frequency; the rest of the billing period is refunded at the old price and charged at the new one; the same offer changes nothing',
  ),
  quantity: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .describe(
      "licenses within the offer's bounds; added licenses are charged prorated at once, removed ones must still be inside their cancellation window",
    ),
  autoRenew: z.boolean().describe('false also removes the scheduled changes'),
  partnerIdOnRecord: publicPartnerId.nullable().describe('null clears the partner of record'),
});

const scheduledChangesBody = patchOf({
  quantity: z.number().int().min(1).max(1_000_000),
  term: z.enum(subscriptionTerms),
  billingFrequency: z.enum(billingFrequencies),
  offerId: identifier(100).describe('an upgrade to another offer'),
});

const supportContactBody = z.strictObject({ resellerId: uuid });
const suspendBody = z.strictObject({ reason: singleLine(500) });

export function subscriptionRoutes(api: ApiBuilder, deps: ApiDeps) {
  const ref = (params: z.infer<typeof subscriptionParams>) => ({
    customerId: params.id,
    subscriptionId: params.subscriptionId,
  });
  const changed = { 200: { description: 'The subscription after the change', schema: subscriptionSchema } };

  api.route({
    method: 'patch',
    path: '/v1/customers/:id/subscriptions/:subscriptionId',
    summary:
      'Change the offer now, buy or remove licenses, turn autoRenew on or off, set, change or clear (null) the partner of record',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    body: patchBody,
    errors: [400, 404, 409, 422],
    responses: { 200: { description: 'The updated subscription', schema: subscriptionWithRemovalSchema } },
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await patchSubscription(deps, caller, ref(params), body),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/cancel',
    summary: 'Cancel inside the cancellation window, with a prorated refund (422 CANCELLATION_WINDOW_CLOSED after it)',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    errors: [404, 409, 422],
    responses: {
      200: { description: 'The cancelled subscription and its refund', schema: cancelledSubscriptionSchema },
    },
    handle: async ({ caller, params }) => ({ status: 200, json: await cancelSubscription(deps, caller, ref(params)) }),
  });

  api.route({
    method: 'post',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/suspend',
    summary: 'Suspend (still charged; the scheduled changes are removed)',
    tag: 'Subscriptions',
    access: ['provider', 'operator'],
    params: subscriptionParams,
    body: suspendBody,
    errors: [404, 409],
    responses: { 200: { description: 'The suspended subscription', schema: subscriptionWithRemovalSchema } },
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await suspendSubscription(deps, caller, ref(params), body.reason),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/reactivate',
    summary: 'Reactivate a suspended subscription before its term ends',
    tag: 'Subscriptions',
    access: ['provider', 'operator'],
    params: subscriptionParams,
    errors: [404, 409],
    responses: changed,
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await reactivateSubscription(deps, caller, ref(params)),
    }),
  });

  api.route({
    method: 'put',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/scheduled-changes',
    summary: 'Schedule changes for the next renewal (needs autoRenew); replaces any scheduled before',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    body: scheduledChangesBody,
    errors: [400, 404, 409, 422],
    responses: changed,
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await scheduleSubscriptionChanges(deps, caller, ref(params), body),
    }),
  });

  api.route({
    method: 'delete',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/scheduled-changes',
    summary: 'Clear the changes scheduled for the next renewal',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    errors: [404, 409],
    responses: changed,
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await scheduleSubscriptionChanges(deps, caller, ref(params), null),
    }),
  });

  api.route({
    method: 'put',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/support-contact',
    summary: 'Designate a reseller in an active partnership as the support contact',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    body: supportContactBody,
    errors: [404, 409, 422],
    responses: changed,
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await setSupportContact(deps, caller.partner, ref(params), body.resellerId),
    }),
  });

  api.route({
    method: 'delete',
    path: '/v1/customers/:id/subscriptions/:subscriptionId/support-contact',
    summary: 'Clear the designated support contact',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    errors: [404, 409],
    responses: changed,
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await setSupportContact(deps, caller.partner, ref(params), null),
    }),
  });
}
