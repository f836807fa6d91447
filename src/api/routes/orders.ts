import { z } from 'zod';
import { identifier, publicPartnerId, uuid } from '../../domain/text';
import { getCustomerOrder, startCustomerOrder } from '../../services/orders';
import type { ApiDeps } from '../context';
import { idParams, type ApiBuilder } from '../route';
import { billingFrequencies, subscriptionTerms } from '../../domain/subscription-billing';
import { orderAcceptedSchema, orderSchema } from '../../views/order';

const orderBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        offerId: identifier(100),
        quantity: z.number().int().min(1).max(1_000_000),
        partnerIdOnRecord: publicPartnerId
          .optional()
          .describe('public partnerId of a reseller in an active partnership, credited for incentives'),
        term: z
          .enum(subscriptionTerms)
          .optional()
          .describe("ISO 8601 term the offer sells; default: the offer's first term"),
        billingFrequency: z
          .enum(billingFrequencies)
          .optional()
          .describe("default: the offer's billingCycle when the term allows it, else monthly"),
      }),
    )
    .min(1, 'order at least one item')
    .max(50),
  supportContactResellerId: uuid
    .optional()
    .describe('id of a reseller in an active partnership, made the support contact'),
});

export function orderRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'post',
    path: '/v1/customers/:id/orders',
    summary: 'Order new subscriptions for an existing customer; runs the order workflow (order-<id>)',
    tag: 'Orders',
    access: ['provider'],
    params: idParams,
    body: orderBody,
    idempotent: true,
    errors: [404, 409, 422, 503],
    responses: {
      202: { description: 'Order accepted; follow it at GET /v1/orders/:id', schema: orderAcceptedSchema },
    },
    handle: async ({ caller, params, body, idempotencyKey }) => ({
      status: 202,
      json: await startCustomerOrder(deps, caller.partner, params.id, body, idempotencyKey),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/orders/:id',
    summary: "One order, its lines and the subscriptions it provisioned (the provider's, or its customer's reseller's)",
    tag: 'Orders',
    access: ['provider', 'reseller'],
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The order', schema: orderSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await getCustomerOrder(deps, caller.partner, params.id),
    }),
  });
}
