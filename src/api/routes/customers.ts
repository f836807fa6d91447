import { z } from 'zod';
import { singleLine, uuid } from '../../domain/text';
import { subscriptionStatuses } from '../../db/schema';
import { customerSchema, customerWithAdminSchema } from '../../views/customer';
import { subscriptionSchema } from '../../views/subscription';
import { getCustomerFor, listCustomerSubscriptions, listCustomersFor } from '../../services/customers';
import type { ApiDeps } from '../context';
import { cursorFrom } from '../cursor';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';

const listCustomersQuery = listQuery.extend({
  resellerId: uuid.optional(),
  q: singleLine(200).optional(),
});

const customerIdParams = z.object({ id: idParams.shape.id });

export function customerRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/v1/customers',
    summary: "A provider's customers (filter by reseller, search name or domain), or the customers a reseller manages",
    tag: 'Customers',
    access: ['provider', 'reseller'],
    query: listCustomersQuery,
    responses: { 200: { description: 'A page of customers, newest first', schema: pageOf(customerSchema) } },
    handle: async ({ caller, query }) => ({
      status: 200,
      json: await listCustomersFor(deps, caller, {
        resellerId: query.resellerId,
        q: query.q,
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      }),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/customers/:id',
    summary: 'One customer, with its admin username (never a password)',
    tag: 'Customers',
    access: ['provider', 'reseller'],
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The customer', schema: customerWithAdminSchema } },
    handle: async ({ caller, params }) => ({ status: 200, json: await getCustomerFor(deps, caller, params.id) }),
  });

  api.route({
    method: 'get',
    path: '/v1/customers/:id/subscriptions',
    summary: "A customer's subscriptions, oldest first",
    tag: 'Customers',
    access: ['provider', 'reseller'],
    params: customerIdParams,
    query: listQuery.extend({ status: z.enum(subscriptionStatuses).optional() }),
    errors: [404],
    responses: { 200: { description: 'A page of subscriptions', schema: pageOf(subscriptionSchema) } },
    handle: async ({ caller, params, query }) => ({
      status: 200,
      json: await listCustomerSubscriptions(deps, caller, {
        customerId: params.id,
        status: query.status,
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      }),
    }),
  });
}
