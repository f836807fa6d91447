import { z } from 'zod';
import { uuid } from '../../domain/text';
import { listCustomerCharges } from '../../services/charges';
import type { ApiDeps } from '../context';
import { cursorFrom } from '../cursor';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';
import { chargeSchema } from '../../views/charge';

export function chargeRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/v1/customers/:id/charges',
    summary:
      "A customer's charges and refunds, oldest first (a reseller sees those of the subscriptions that credit it)",
    tag: 'Subscriptions',
    access: ['provider', 'reseller'],
    params: z.object({ id: idParams.shape.id }),
    query: listQuery.extend({ subscriptionId: uuid.optional() }),
    errors: [404],
    responses: { 200: { description: 'A page of charges', schema: pageOf(chargeSchema) } },
    handle: async ({ caller, params, query }) => ({
      status: 200,
      json: await listCustomerCharges(deps, caller, {
        customerId: params.id,
        subscriptionId: query.subscriptionId,
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      }),
    }),
  });
}
