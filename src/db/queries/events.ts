import { and, arrayContains, eq, exists, gt, lt, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../client';
import { events, webhookDeliveries, webhookEndpoints } from '../schema';
import type { DeliveryStatus, EventType } from '../../events/types';
import { afterCursor, newestFirst, page, type Cursor } from './pagination';
import { deliveryWorkflowId } from './webhook-deliveries';

export type Event = typeof events.$inferSelect;

export type RecordEventParams = {
  type: EventType;
  /** The resource and the transition, e.g. `invitation:<id>:accepted`: one event per state change. */
  dedupeKey: string;
  /** The provider concerned and, when one is concerned, the reseller. */
  recipientIds: (string | null | undefined)[];
  /** The resource as the API shows it. */
  data: Record<string, unknown>;
  /** Deliver to this endpoint only (webhook.test) instead of every matching endpoint of the recipients. */
  endpointId?: string;
};

/**
 * Records an event and queues its deliveries, in the caller's transaction — the one that makes the
 * change the event reports. A second call with the same dedupe key (a retried activity) does nothing.
 * Returns the event id, or undefined when it was recorded already.
 */
export async function recordEvent(tx: Tx, params: RecordEventParams): Promise<string | undefined> {
  const recipientIds = [...new Set(params.recipientIds.filter((id): id is string => !!id))];
  const [event] = await tx
    .insert(events)
    .values({ type: params.type, dedupeKey: params.dedupeKey, recipientIds, data: params.data })
    .onConflictDoNothing({ target: events.dedupeKey })
    .returning({ id: events.id });
  if (!event) return undefined;
  const endpoints = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      params.endpointId
        ? eq(webhookEndpoints.id, params.endpointId)
        : and(
            eq(webhookEndpoints.enabled, true),
            sql`${webhookEndpoints.ownerId} = any(${sql.param(recipientIds)}::uuid[])`,
            sql`(${webhookEndpoints.eventTypes} is null or ${params.type} = any(${webhookEndpoints.eventTypes}))`,
          ),
    );
  if (endpoints.length > 0) {
    await tx.insert(webhookDeliveries).values(
      endpoints.map((endpoint) => ({
        eventId: event.id,
        endpointId: endpoint.id,
        workflowId: deliveryWorkflowId(event.id, endpoint.id, 0),
      })),
    );
  }
  return event.id;
}

export type ListEventsParams = {
  partnerId: string;
  type?: EventType;
  after?: Date;
  deliveryStatus?: DeliveryStatus;
  limit: number;
  cursor?: Cursor;
};

/** A partner's events, newest first; `deliveryStatus` keeps those with a delivery to its endpoints in that status. */
export async function listEvents(db: DbOrTx, params: ListEventsParams) {
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        arrayContains(events.recipientIds, [params.partnerId]),
        params.type ? eq(events.type, params.type) : undefined,
        params.after ? gt(events.createdAt, params.after) : undefined,
        params.deliveryStatus
          ? exists(
              db
                .select({ one: sql`1` })
                .from(webhookDeliveries)
                .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
                .where(
                  and(
                    eq(webhookDeliveries.eventId, events.id),
                    eq(webhookEndpoints.ownerId, params.partnerId),
                    eq(webhookDeliveries.status, params.deliveryStatus),
                  ),
                ),
            )
          : undefined,
        afterCursor(params.cursor, events.createdAt, events.id),
      ),
    )
    .orderBy(...newestFirst(events.createdAt, events.id))
    .limit(params.limit + 1);
  return page(rows, params.limit);
}

export async function getEventForPartner(
  db: DbOrTx,
  params: { id: string; partnerId: string },
): Promise<Event | undefined> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.id, params.id), arrayContains(events.recipientIds, [params.partnerId])));
  return row;
}

/** The retention cleanup: events older than the cutoff go, with their deliveries and attempts. */
export async function deleteEventsBefore(db: DbOrTx, cutoff: Date): Promise<number> {
  const deleted = await db.delete(events).where(lt(events.createdAt, cutoff)).returning({ id: events.id });
  return deleted.length;
}
