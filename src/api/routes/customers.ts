import { z } from 'zod';
import { singleLine, uuid } from '../../domain/text';
import { customerStatuses, subscriptionStatuses } from '../../db/schema';
import { subscriptionSchema } from '../views/subscription';
import { getCustomerFor, listCustomerSubscriptions, listCustomersFor } from '../../services/customers';
import type { ApiDeps } from '../context';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';
import { cursorFrom } from '../cursor';

const partnerRef = z.object({ id: uuid, name: z.string(), partnerId: z.string() });

export const customerSchema = z.object({
  id: uuid,
  name: z.string(),
  domainPrefix: z.string(),
  domain: z.string(),
  country: z.string(),
  address: z.object({ line1: z.string(), city: z.string(), postalCode: z.string(), region: z.string().optional() }),
  contact: z.object({ firstName: z.string(), lastName: z.string(), email: z.string(), phone: z.string().optional() }),
  status: z.enum(customerStatuses),
  providerId: uuid,
  reseller: partnerRef.nullable(),
  onboardingId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

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
      json: await listCustomersFor(deps, caller, { resellerId: query.resellerId, q: query.q, limit: query.limit, cursor: cursorFrom(query.cursor) }),
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
    responses: { 200: { description: 'The customer', schema: customerSchema.extend({ adminUsername: z.string().nullable() }) } },
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
      json: await listCustomerSubscriptions(deps, caller, { customerId: params.id, status: query.status, limit: query.limit, cursor: cursorFrom(query.cursor) }),
    }),
  });
}
