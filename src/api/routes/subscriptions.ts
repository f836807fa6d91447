import { z } from 'zod';
import { publicPartnerId, uuid } from '../../domain/text';
import { subscriptionStatuses } from '../../db/schema';
import { patchSubscription, setSupportContact } from '../../services/subscriptions';
import type { ApiDeps } from '../context';
import { patchOf, type ApiBuilder } from '../route';

export const subscriptionSchema = z.object({
  id: uuid,
  customerId: uuid,
  orderId: uuid,
  offerId: z.string(),
  quantity: z.number().int(),
  status: z.enum(subscriptionStatuses),
  partnerIdOnRecord: z.string().nullable(),
  supportContactResellerId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const subscriptionParams = z.object({
  id: uuid,
  subscriptionId: uuid,
});

const patchBody = patchOf({
  quantity: z.number().int().min(0).max(1_000_000).describe("licenses; must be within the offer's bounds"),
  partnerIdOnRecord: publicPartnerId.nullable().describe('null clears the partner of record'),
});

const supportContactBody = z.strictObject({ resellerId: uuid });

export function subscriptionRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'patch',
    path: '/v1/customers/:id/subscriptions/:subscriptionId',
    summary: 'Buy or remove licenses, and set, change or clear (null) the partner of record',
    tag: 'Subscriptions',
    access: ['provider'],
    params: subscriptionParams,
    body: patchBody,
    errors: [404, 409, 422],
    responses: { 200: { description: 'The updated subscription', schema: subscriptionSchema } },
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await patchSubscription(deps, caller.partner, { customerId: params.id, subscriptionId: params.subscriptionId }, body),
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
    responses: { 200: { description: 'The updated subscription', schema: subscriptionSchema } },
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await setSupportContact(deps, caller.partner, { customerId: params.id, subscriptionId: params.subscriptionId }, body.resellerId),
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
    responses: { 200: { description: 'The updated subscription', schema: subscriptionSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await setSupportContact(deps, caller.partner, { customerId: params.id, subscriptionId: params.subscriptionId }, null),
    }),
  });
}
