import { and, eq, exists, gt, lt, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../client';
import { events, webhookDeliveries, webhookEndpoints } from '../schema';
import type { DeliveryStatus, EventType } from '../../events/types';
import { afterCursorPlaceholders, cursorValues, newestFirst, page, type Cursor } from './pagination';
import { preparedQuery } from './prepared';
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

/**
 * The events a partner receives: `recipient_ids` contains it (served by events_recipients_idx). As
 * `array[$partnerId]::uuid[]` so that the prepared form binds one uuid, not an array.
 */
const receivedBy = () => sql`${events.recipientIds} @> array[${sql.placeholder('partnerId')}]::uuid[]`;

const eventsPage = preparedQuery((db, shape: { type: boolean; after: boolean; delivery: boolean; cursor: boolean }) =>
  db
    .select()
    .from(events)
    .where(
      and(
        receivedBy(),
        shape.type ? eq(events.type, sql.placeholder('type')) : undefined,
        shape.after ? gt(events.createdAt, sql.placeholder('after')) : undefined,
        shape.delivery
          ? exists(
              db
                .select({ one: sql`1` })
                .from(webhookDeliveries)
                .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
                .where(
                  and(
                    eq(webhookDeliveries.eventId, events.id),
                    eq(webhookEndpoints.ownerId, sql.placeholder('partnerId')),
                    eq(webhookDeliveries.status, sql.placeholder('deliveryStatus')),
                  ),
                ),
            )
          : undefined,
        shape.cursor ? afterCursorPlaceholders(events.createdAt, events.id) : undefined,
      ),
    )
    .orderBy(...newestFirst(events.createdAt, events.id))
    .limit(sql.placeholder('limit'))
    .prepare('events_page'),
);

/** A partner's events, newest first; `deliveryStatus` keeps those with a delivery to its endpoints in that status. */
export async function listEvents(db: DbOrTx, params: ListEventsParams) {
  const rows = await eventsPage(db, {
    type: params.type !== undefined,
    after: params.after !== undefined,
    delivery: params.deliveryStatus !== undefined,
    cursor: params.cursor !== undefined,
  }).execute({
    partnerId: params.partnerId,
    type: params.type,
    after: params.after?.toISOString(),
    deliveryStatus: params.deliveryStatus,
    ...cursorValues(params.cursor),
    limit: params.limit + 1,
  });
  return page(rows, params.limit);
}

const eventForPartner = preparedQuery((db) =>
  db
    .select()
    .from(events)
    .where(and(eq(events.id, sql.placeholder('id')), receivedBy()))
    .prepare('event_for_partner'),
);

export async function getEventForPartner(
  db: DbOrTx,
  params: { id: string; partnerId: string },
): Promise<Event | undefined> {
  const [row] = await eventForPartner(db).execute(params);
  return row;
}

/** The retention cleanup: events older than the cutoff go, with their deliveries and attempts. */
export async function deleteEventsBefore(db: DbOrTx, cutoff: Date): Promise<number> {
  const deleted = await db.delete(events).where(lt(events.createdAt, cutoff)).returning({ id: events.id });
  return deleted.length;
}
