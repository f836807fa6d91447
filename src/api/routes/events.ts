import { z } from 'zod';
import { uuid } from '../../domain/text';
import { deliveryStatuses, eventTypes } from '../../events/types';
import { eventSchema } from '../../views/event';
import { getPartnerEvent, listPartnerEvents, redeliverEvent } from '../../services/events';
import type { ApiDeps } from '../context';
import { cursorFrom } from '../cursor';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';

const listEventsQuery = listQuery.extend({
  type: z.enum(eventTypes).optional(),
  after: z.iso.datetime({ offset: true }).optional().describe('Only events created after this instant'),
  deliveryStatus: z
    .enum(deliveryStatuses)
    .optional()
    .describe('Only events with a delivery to your endpoints in this status'),
});

export function eventRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/v1/events',
    summary: "The caller's events, newest first, kept EVENT_RETENTION: for reconciliation after missed webhooks",
    tag: 'Events',
    access: ['provider', 'reseller'],
    query: listEventsQuery,
    responses: { 200: { description: 'A page of events', schema: pageOf(eventSchema) } },
    handle: async ({ caller, query }) => ({
      status: 200,
      json: await listPartnerEvents(deps, {
        partnerId: caller.partner.id,
        type: query.type,
        after: query.after ? new Date(query.after) : undefined,
        deliveryStatus: query.deliveryStatus,
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      }),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/events/:id',
    summary: 'One of the caller’s events',
    tag: 'Events',
    access: ['provider', 'reseller'],
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The event', schema: eventSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await getPartnerEvent(deps, caller.partner, params.id),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/events/:id/redeliver',
    summary: "Send an event again to each of the caller's enabled webhook endpoints",
    tag: 'Events',
    access: ['provider', 'reseller'],
    params: idParams,
    errors: [404, 409],
    responses: {
      202: {
        description: 'Queued: one new delivery per endpoint',
        schema: z.object({ eventId: uuid, deliveries: z.number().int() }),
      },
    },
    handle: async ({ caller, params }) => ({
      status: 202,
      json: await redeliverEvent(deps, caller.partner, params.id),
    }),
  });
}
