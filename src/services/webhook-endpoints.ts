import { randomUUID } from 'node:crypto';
import type { ServiceDeps } from './deps';
import { notFound } from '../domain/errors';
import { recordEvent } from '../db/queries/events';
import type { Partner } from '../db/queries/partners';
import { listAttempts, type ListAttemptsParams } from '../db/queries/webhook-deliveries';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpointForOwner,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
  type WebhookEndpoint,
} from '../db/queries/webhook-endpoints';
import type { EventType } from '../events/types';
import { encryptText } from '../security/cipher';
import { newWebhookSecret } from '../webhooks/signing';
import { requireSafeWebhookUrl } from './events';
import { deliveryView } from '../views/webhook-delivery';
import { endpointView } from '../views/webhook-endpoint';

type Deps = Pick<ServiceDeps, 'db' | 'keyRing' | 'config'>;

/** Registers an endpoint; its `whsec_` secret is returned this once and stored only encrypted. */
export async function registerEndpoint(
  deps: Deps,
  owner: Partner,
  input: { url: string; events?: EventType[]; description?: string },
) {
  await requireSafeWebhookUrl(input.url, deps.config.webhooks.allowPrivate);
  const secret = newWebhookSecret();
  const endpoint = await createEndpoint(deps.db, {
    ownerId: owner.id,
    url: input.url,
    taskQueue: deps.config.temporal.taskQueue,
    eventTypes: input.events,
    description: input.description,
    secretEncrypted: encryptText(deps.keyRing, secret),
  });
  return { endpoint: endpointView(endpoint), secret };
}

async function owned(deps: Deps, owner: Partner, id: string): Promise<WebhookEndpoint> {
  const endpoint = await getEndpointForOwner(deps.db, { id, ownerId: owner.id });
  if (!endpoint) throw notFound('Webhook endpoint');
  return endpoint;
}

export async function getEndpoint(deps: Deps, owner: Partner, id: string) {
  return endpointView(await owned(deps, owner, id));
}

export async function listOwnerEndpoints(
  deps: Deps,
  owner: Partner,
  params: { limit: number; cursor?: ListAttemptsParams['cursor'] },
) {
  const result = await listEndpoints(deps.db, { ownerId: owner.id, ...params });
  return { items: result.items.map(endpointView), nextCursor: result.nextCursor };
}

export async function changeEndpoint(
  deps: Deps,
  owner: Partner,
  id: string,
  changes: { url?: string; events?: EventType[] | null; enabled?: boolean; description?: string | null },
) {
  await owned(deps, owner, id);
  if (changes.url !== undefined) await requireSafeWebhookUrl(changes.url, deps.config.webhooks.allowPrivate);
  const { events, ...rest } = changes;
  const endpoint = await updateEndpoint(deps.db, {
    id,
    ownerId: owner.id,
    ...rest,
    ...(events !== undefined ? { eventTypes: events } : {}),
  });
  if (!endpoint) throw notFound('Webhook endpoint');
  return endpointView(endpoint);
}

export async function removeEndpoint(deps: Deps, owner: Partner, id: string) {
  if (!(await deleteEndpoint(deps.db, { id, ownerId: owner.id }))) throw notFound('Webhook endpoint');
  return { status: 'deleted' as const };
}

/** A new secret, shown once; the old one keeps signing alongside it for WEBHOOK_SECRET_OVERLAP. */
export async function rotateSecret(deps: Deps, owner: Partner, id: string) {
  const secret = newWebhookSecret();
  const endpoint = await rotateEndpointSecret(deps.db, {
    id,
    ownerId: owner.id,
    secretEncrypted: encryptText(deps.keyRing, secret),
    previousExpiresAt: new Date(Date.now() + deps.config.webhooks.secretOverlapMs),
  });
  if (!endpoint) throw notFound('Webhook endpoint');
  return { endpoint: endpointView(endpoint), secret };
}

/** Records a `webhook.test` event for the owner, delivered to this endpoint only. */
export async function sendTestEvent(deps: Deps, owner: Partner, id: string) {
  const endpoint = await owned(deps, owner, id);
  const testId = randomUUID();
  const eventId = await deps.db.transaction((tx) =>
    recordEvent(tx, {
      type: 'webhook.test',
      dedupeKey: `webhook-test:${testId}`,
      recipientIds: [owner.id],
      data: { endpoint: endpointView(endpoint), message: 'This is a test event.' },
      endpointId: endpoint.id,
    }),
  );
  return { eventId: eventId! };
}

export async function listEndpointDeliveries(
  deps: Deps,
  owner: Partner,
  id: string,
  params: { limit: number; cursor?: ListAttemptsParams['cursor'] },
) {
  await owned(deps, owner, id);
  const result = await listAttempts(deps.db, { endpointId: id, ...params });
  return {
    items: result.items.map(deliveryView),
    nextCursor: result.nextCursor,
  };
}
