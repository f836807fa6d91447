import { z } from 'zod';
import { freeText, uuid } from '../../domain/text';
import { eventTypes } from '../../events/types';
import {
  changeEndpoint,
  getEndpoint,
  listEndpointDeliveries,
  listOwnerEndpoints,
  registerEndpoint,
  removeEndpoint,
  rotateSecret,
  sendTestEvent,
} from '../../services/webhook-endpoints';
import { deliverySchema } from '../../views/webhook-delivery';
import { endpointSchema, endpointWithSecretSchema } from '../../views/webhook-endpoint';
import type { ApiDeps } from '../context';
import { cursorFrom } from '../cursor';
import { idParams, listQuery, pageOf, patchOf, type ApiBuilder } from '../route';

/** An absolute http(s) URL in printable ASCII (international names in their punycode form); safety is checked after. */
const url = z
  .string()
  .max(2_048)
  .regex(/^https?:\/\/[\x21-\x7e]+$/i, 'an absolute https URL, printable ASCII without spaces');
const events = z.array(z.enum(eventTypes)).min(1).max(eventTypes.length);
const createBody = z.strictObject({ url, events: events.optional(), description: freeText(500).optional() });
const patchBody = patchOf({
  url,
  events: events.nullable(),
  enabled: z.boolean(),
  description: freeText(500).nullable(),
});

export function webhookEndpointRoutes(api: ApiBuilder, deps: ApiDeps) {
  const access = ['provider', 'reseller'] as const;
  const tag = 'Webhooks';

  api.route({
    method: 'post',
    path: '/v1/webhook-endpoints',
    summary: 'Register a URL for your events; the signing secret is shown once',
    tag,
    access,
    body: createBody,
    errors: [422],
    responses: { 201: { description: 'Registered', schema: endpointWithSecretSchema } },
    handle: async ({ caller, body }) => ({ status: 201, json: await registerEndpoint(deps, caller.partner, body) }),
  });

  api.route({
    method: 'get',
    path: '/v1/webhook-endpoints',
    summary: 'Your webhook endpoints',
    tag,
    access,
    query: listQuery,
    responses: { 200: { description: 'A page of endpoints', schema: pageOf(endpointSchema) } },
    handle: async ({ caller, query }) => ({
      status: 200,
      json: await listOwnerEndpoints(deps, caller.partner, { limit: query.limit, cursor: cursorFrom(query.cursor) }),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/webhook-endpoints/:id',
    summary: 'One webhook endpoint',
    tag,
    access,
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The endpoint', schema: endpointSchema } },
    handle: async ({ caller, params }) => ({ status: 200, json: await getEndpoint(deps, caller.partner, params.id) }),
  });

  api.route({
    method: 'patch',
    path: '/v1/webhook-endpoints/:id',
    summary: 'Change the URL, the event types or whether it is enabled',
    tag,
    access,
    params: idParams,
    body: patchBody,
    errors: [404, 422],
    responses: { 200: { description: 'Changed', schema: endpointSchema } },
    handle: async ({ caller, params, body }) => ({
      status: 200,
      json: await changeEndpoint(deps, caller.partner, params.id, body),
    }),
  });

  api.route({
    method: 'delete',
    path: '/v1/webhook-endpoints/:id',
    summary: 'Remove an endpoint; nothing more is sent to it',
    tag,
    access,
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'Deleted', schema: z.object({ status: z.literal('deleted') }) } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await removeEndpoint(deps, caller.partner, params.id),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/webhook-endpoints/:id/rotate-secret',
    summary: 'A new secret, shown once; the old one keeps signing alongside it for WEBHOOK_SECRET_OVERLAP',
    tag,
    access,
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'Rotated', schema: endpointWithSecretSchema } },
    handle: async ({ caller, params }) => ({ status: 200, json: await rotateSecret(deps, caller.partner, params.id) }),
  });

  api.route({
    method: 'post',
    path: '/v1/webhook-endpoints/:id/test',
    summary: 'Send a webhook.test event to this endpoint',
    tag,
    access,
    params: idParams,
    errors: [404],
    responses: { 202: { description: 'Queued', schema: z.object({ eventId: uuid }) } },
    handle: async ({ caller, params }) => ({ status: 202, json: await sendTestEvent(deps, caller.partner, params.id) }),
  });

  api.route({
    method: 'get',
    path: '/v1/webhook-endpoints/:id/deliveries',
    summary: 'Delivery attempts to this endpoint, newest first',
    tag,
    access,
    params: idParams,
    query: listQuery,
    errors: [404],
    responses: { 200: { description: 'A page of attempts', schema: pageOf(deliverySchema) } },
    handle: async ({ caller, params, query }) => ({
      status: 200,
      json: await listEndpointDeliveries(deps, caller.partner, params.id, {
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      }),
    }),
  });
}
