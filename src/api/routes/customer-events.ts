import { customerEventSchema } from '../../views/customer-event';
import { listEventsOfCustomer } from '../../services/customer-events';
import type { ApiDeps } from '../context';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';

export function customerEventRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/v1/customers/:id/events',
    summary: "The customer's audit trail, oldest first: who changed what, when, and in which workflow run",
    tag: 'Customers',
    access: ['operator', 'provider', 'reseller'],
    params: idParams,
    query: listQuery,
    errors: [404],
    responses: { 200: { description: 'A page of events', schema: pageOf(customerEventSchema) } },
    handle: async ({ caller, params, query }) => ({
      status: 200,
      json: await listEventsOfCustomer(deps, caller, params.id, { limit: query.limit, cursor: query.cursor }),
    }),
  });
}
