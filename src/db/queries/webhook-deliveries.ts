import { and, asc, eq, inArray, isNull, max, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../client';
import { events, partners, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../schema';
import type { DeliveryStatus } from '../../events/types';
import { webhookDeliveryWorkflowId } from '../../domain/workflow-ids';
import { afterCursor, newestFirst, page, type Cursor } from './pagination';

export const deliveryWorkflowId = webhookDeliveryWorkflowId;

/** Deliveries not started yet, of endpoints on a relay's task queue (joined with webhook_endpoints). */
const unstartedOn = (taskQueue: string) =>
  and(isNull(webhookDeliveries.startedAt), eq(webhookEndpoints.taskQueue, taskQueue));

/**
 * The relay's batch: deliveries whose workflow has not started, locked so two relays never take the
 * same rows (SKIP LOCKED); the caller starts each workflow and marks it started in the same transaction.
 */
export async function claimUnstartedDeliveries(tx: Tx, params: { taskQueue: string; limit: number }) {
  return tx
    .select({
      id: webhookDeliveries.id,
      eventId: webhookDeliveries.eventId,
      endpointId: webhookDeliveries.endpointId,
      workflowId: webhookDeliveries.workflowId,
      ownerId: webhookEndpoints.ownerId,
      ownerKind: partners.kind,
      eventType: events.type,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(partners, eq(partners.id, webhookEndpoints.ownerId))
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(unstartedOn(params.taskQueue))
    .orderBy(asc(webhookDeliveries.createdAt))
    .limit(params.limit)
    .for('update', { of: webhookDeliveries, skipLocked: true });
}

/**
 * Whether the relay has anything to take: one read without a lock or a transaction, through the
 * partial index of unstarted deliveries. An idle relay polls this alone (one round trip) instead of
 * begin, a locking select and commit (three) every WEBHOOK_RELAY_INTERVAL.
 */
export async function hasUnstartedDeliveries(db: DbOrTx, params: { taskQueue: string }): Promise<boolean> {
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(unstartedOn(params.taskQueue))
    .limit(1);
  return rows.length > 0;
}

export async function markDeliveriesStarted(tx: Tx, ids: string[]): Promise<void> {
  if (ids.length > 0)
    await tx.update(webhookDeliveries).set({ startedAt: new Date() }).where(inArray(webhookDeliveries.id, ids));
}

/** Everything one attempt needs: the event, the endpoint (with its sealed secrets) and the delivery. */
export async function getDeliveryForAttempt(db: DbOrTx, deliveryId: string) {
  const [row] = await db
    .select({ delivery: webhookDeliveries, event: events, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId));
  return row;
}

export type AttemptRecord = {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
};

/** Records an attempt once (a retried activity finds it recorded) and counts it on the delivery. */
export async function recordAttempt(tx: Tx, record: AttemptRecord): Promise<void> {
  const inserted = await tx
    .insert(webhookAttempts)
    .values(record)
    .onConflictDoNothing()
    .returning({ id: webhookAttempts.id });
  if (inserted.length > 0) {
    await tx
      .update(webhookDeliveries)
      .set({ attemptCount: sql`${webhookDeliveries.attemptCount} + 1` })
      .where(eq(webhookDeliveries.id, record.deliveryId));
  }
}

export async function findAttempt(db: DbOrTx, params: { deliveryId: string; attempt: number }) {
  const [row] = await db
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.deliveryId, params.deliveryId), eq(webhookAttempts.attempt, params.attempt)));
  return row;
}

export async function settleDelivery(
  db: DbOrTx,
  params: { id: string; status: Exclude<DeliveryStatus, 'pending'> },
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: params.status, completedAt: new Date() })
    .where(and(eq(webhookDeliveries.id, params.id), eq(webhookDeliveries.status, 'pending')));
}

/** Queues another round of an event to the given endpoints (redeliver, test); the relay starts them. */
export async function queueRedelivery(tx: Tx, params: { eventId: string; endpointIds: string[] }): Promise<number> {
  if (params.endpointIds.length === 0) return 0;
  const [{ round } = { round: null }] = await tx
    .select({ round: max(webhookDeliveries.round) })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.eventId, params.eventId));
  const next = (round ?? -1) + 1;
  await tx.insert(webhookDeliveries).values(
    params.endpointIds.map((endpointId) => ({
      eventId: params.eventId,
      endpointId,
      round: next,
      workflowId: deliveryWorkflowId(params.eventId, endpointId, next),
    })),
  );
  return params.endpointIds.length;
}

export type ListAttemptsParams = { endpointId: string; limit: number; cursor?: Cursor };

/** An endpoint's attempts, newest first, with the event each carried. */
export async function listAttempts(db: DbOrTx, params: ListAttemptsParams) {
  const rows = await db
    .select({
      id: webhookAttempts.id,
      attempt: webhookAttempts.attempt,
      statusCode: webhookAttempts.statusCode,
      durationMs: webhookAttempts.durationMs,
      error: webhookAttempts.error,
      responseBody: webhookAttempts.responseBody,
      createdAt: webhookAttempts.createdAt,
      eventId: webhookDeliveries.eventId,
      eventType: events.type,
      deliveryStatus: webhookDeliveries.status,
      workflowId: webhookDeliveries.workflowId,
    })
    .from(webhookAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookAttempts.deliveryId))
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookAttempts.endpointId, params.endpointId),
        afterCursor(params.cursor, webhookAttempts.createdAt, webhookAttempts.id),
      ),
    )
    .orderBy(...newestFirst(webhookAttempts.createdAt, webhookAttempts.id))
    .limit(params.limit + 1);
  return page(rows, params.limit);
}
