import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { webhookEndpoints } from '../schema';
import type { EventType } from '../../events/types';
import { afterCursor, newestFirst, page, type Cursor } from './pagination';

/** What an owner sees of an endpoint: never its secrets. */
export const endpointColumns = {
  id: webhookEndpoints.id,
  ownerId: webhookEndpoints.ownerId,
  url: webhookEndpoints.url,
  eventTypes: webhookEndpoints.eventTypes,
  description: webhookEndpoints.description,
  enabled: webhookEndpoints.enabled,
  previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt,
  failingSince: webhookEndpoints.failingSince,
  disabledAt: webhookEndpoints.disabledAt,
  createdAt: webhookEndpoints.createdAt,
  updatedAt: webhookEndpoints.updatedAt,
};
export type WebhookEndpoint = { [K in keyof typeof endpointColumns]: (typeof webhookEndpoints.$inferSelect)[K] };

export async function createEndpoint(
  db: DbOrTx,
  params: {
    ownerId: string;
    url: string;
    taskQueue: string;
    eventTypes?: EventType[];
    description?: string;
    secretEncrypted: string;
  },
): Promise<WebhookEndpoint> {
  const [row] = await db
    .insert(webhookEndpoints)
    .values({ ...params, eventTypes: params.eventTypes ?? null, description: params.description ?? null })
    .returning(endpointColumns);
  return row!;
}

const owned = (params: { id: string; ownerId: string }) =>
  and(eq(webhookEndpoints.id, params.id), eq(webhookEndpoints.ownerId, params.ownerId));

export async function getEndpointForOwner(
  db: DbOrTx,
  params: { id: string; ownerId: string },
): Promise<WebhookEndpoint | undefined> {
  const [row] = await db.select(endpointColumns).from(webhookEndpoints).where(owned(params));
  return row;
}

export async function listEndpoints(db: DbOrTx, params: { ownerId: string; limit: number; cursor?: Cursor }) {
  const rows = await db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.ownerId, params.ownerId),
        afterCursor(params.cursor, webhookEndpoints.createdAt, webhookEndpoints.id),
      ),
    )
    .orderBy(...newestFirst(webhookEndpoints.createdAt, webhookEndpoints.id))
    .limit(params.limit + 1);
  return page(rows, params.limit);
}

/** The owner's enabled endpoints, for a redelivery. */
export async function listEnabledEndpointIds(db: DbOrTx, ownerId: string): Promise<string[]> {
  const rows = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.ownerId, ownerId), eq(webhookEndpoints.enabled, true)));
  return rows.map((row) => row.id);
}

export async function updateEndpoint(
  db: DbOrTx,
  params: {
    id: string;
    ownerId: string;
    url?: string;
    eventTypes?: EventType[] | null;
    enabled?: boolean;
    description?: string | null;
  },
): Promise<WebhookEndpoint | undefined> {
  const { id, ownerId, ...changes } = params;
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      ...changes,
      // Enabling again starts a fresh count of failures.
      ...(changes.enabled === true ? { failingSince: null, disabledAt: null } : {}),
      ...(changes.enabled === false ? { disabledAt: new Date() } : {}),
      updatedAt: new Date(),
    })
    .where(owned({ id, ownerId }))
    .returning(endpointColumns);
  return row;
}

export async function deleteEndpoint(db: DbOrTx, params: { id: string; ownerId: string }): Promise<boolean> {
  const deleted = await db.delete(webhookEndpoints).where(owned(params)).returning({ id: webhookEndpoints.id });
  return deleted.length > 0;
}

/** A new secret signs from now on; the current one keeps signing alongside it until `previousExpiresAt`. */
export async function rotateEndpointSecret(
  db: DbOrTx,
  params: { id: string; ownerId: string; secretEncrypted: string; previousExpiresAt: Date },
): Promise<WebhookEndpoint | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      previousSecretEncrypted: webhookEndpoints.secretEncrypted,
      previousSecretExpiresAt: params.previousExpiresAt,
      secretEncrypted: params.secretEncrypted,
      updatedAt: new Date(),
    })
    .where(owned(params))
    .returning(endpointColumns);
  return row;
}

/** After a 2xx: the run of failures is over. */
export async function markEndpointHealthy(db: DbOrTx, id: string): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(eq(webhookEndpoints.id, id), sql`${webhookEndpoints.failingSince} is not null`));
}

/**
 * After a failed attempt: starts the run of failures, and disables the endpoint once every attempt
 * has failed for `disableAfterMs`. Returns true exactly once, when this call disabled it.
 */
export async function markEndpointFailing(
  db: DbOrTx,
  params: { id: string; disableAfterMs: number },
): Promise<boolean> {
  await db
    .update(webhookEndpoints)
    .set({ failingSince: new Date() })
    .where(and(eq(webhookEndpoints.id, params.id), isNull(webhookEndpoints.failingSince)));
  const disabled = await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledAt: new Date(), updatedAt: new Date() })
    .where(
      and(
        eq(webhookEndpoints.id, params.id),
        eq(webhookEndpoints.enabled, true),
        sql`${webhookEndpoints.failingSince} <= now() - make_interval(secs => ${params.disableAfterMs / 1000})`,
      ),
    )
    .returning({ id: webhookEndpoints.id });
  return disabled.length > 0;
}
