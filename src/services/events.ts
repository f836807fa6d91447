import { lookup } from 'node:dns/promises';
import type { ServiceDeps } from './deps';
import { AppError, notFound } from '../domain/errors';
import { getEventForPartner, listEvents, type ListEventsParams } from '../db/queries/events';
import { queueRedelivery } from '../db/queries/webhook-deliveries';
import { listEnabledEndpointIds } from '../db/queries/webhook-endpoints';
import type { Partner } from '../db/queries/partners';
import { checkWebhookUrl, type Resolver } from '../webhooks/url-safety';
import { eventView } from '../views/event';

export async function listPartnerEvents(deps: Pick<ServiceDeps, 'db'>, params: ListEventsParams) {
  const result = await listEvents(deps.db, params);
  return { items: result.items.map(eventView), nextCursor: result.nextCursor };
}

export async function getPartnerEvent(deps: Pick<ServiceDeps, 'db'>, partner: Partner, id: string) {
  const event = await getEventForPartner(deps.db, { id, partnerId: partner.id });
  if (!event) throw notFound('Event');
  return eventView(event);
}

/** Sends one of the caller's events again to each of its enabled endpoints: a new delivery workflow each. */
export async function redeliverEvent(deps: Pick<ServiceDeps, 'db'>, partner: Partner, id: string) {
  const event = await getEventForPartner(deps.db, { id, partnerId: partner.id });
  if (!event) throw notFound('Event');
  const endpointIds = await listEnabledEndpointIds(deps.db, partner.id);
  if (endpointIds.length === 0) throw new AppError('CONFLICT', 'You have no enabled webhook endpoint to send it to');
  await deps.db.transaction((tx) => queueRedelivery(tx, { eventId: event.id, endpointIds }));
  return { eventId: event.id, deliveries: endpointIds.length };
}

/** Every address a name resolves to, as the delivery's connection will resolve it (hosts file included). */
export const resolveAll: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

/** The save-time check of an endpoint URL (PRODUCT.md §7); a refusal is a 422. */
export async function requireSafeWebhookUrl(url: string, allowPrivate: boolean): Promise<void> {
  const verdict = await checkWebhookUrl(url, { allowPrivate, resolve: resolveAll });
  if (!verdict.ok)
    throw new AppError('BUSINESS_RULE', `url: ${verdict.reason}`, [
      { path: 'body.url', code: 'UNSAFE_URL', message: verdict.reason },
    ]);
}
