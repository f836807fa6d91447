import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { deliveryStatuses, type EventType } from '../../events/types';
import { partners } from './partners';

/**
 * One row per state change, written in the transaction of the change (so none is lost and none is
 * invented). `dedupeKey` (resource and transition) makes a retried activity write it once.
 */
export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type').$type<EventType>().notNull(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    /** The partners the event concerns: its provider and, when one is concerned, the reseller. */
    recipientIds: uuid('recipient_ids').array().notNull(),
    /** The resource as the API shows it. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // GET /v1/events: a partner's events, newest first.
    index('events_recipients_idx').using('gin', t.recipientIds),
    // The retention cleanup and `after=`.
    index('events_created_idx').on(t.createdAt, t.id),
  ],
);

/** Where a partner wants its events POSTed. The signing secret is stored encrypted with the key ring. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => partners.id),
    url: text('url').notNull(),
    /**
     * The task queue of the deployment that registered it (TEMPORAL_TASK_QUEUE): only that deployment's
     * relays start its deliveries, so deployments (and test engines) sharing a database stay apart.
     */
    taskQueue: text('task_queue').notNull(),
    /** Event types wanted; null means all. */
    eventTypes: text('event_types').array().$type<EventType[]>(),
    description: text('description'),
    enabled: boolean('enabled').notNull().default(true),
    secretEncrypted: text('secret_encrypted').notNull(),
    /** After a rotation the old secret keeps signing alongside the new one until it expires. */
    previousSecretEncrypted: text('previous_secret_encrypted'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    /** Start of the current run of failed attempts; null after any success. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The fan-out of an event to its recipients' endpoints, and the owner's list.
  (t) => [index('webhook_endpoints_owner_idx').on(t.ownerId, t.createdAt, t.id)],
);

/**
 * One event sent to one endpoint (`round` 0, then one per redelivery): the outbox the relay starts
 * `webhook-delivery-…` workflows from. Written with the event, so a crash before the start loses nothing.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    round: integer('round').notNull().default(0),
    status: text('status', { enum: deliveryStatuses }).notNull().default('pending'),
    workflowId: text('workflow_id').notNull().unique(),
    /** Null until the relay started the workflow. */
    startedAt: timestamp('started_at', { withTimezone: true }),
    attemptCount: integer('attempt_count').notNull().default(0),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_endpoint_round_idx').on(t.eventId, t.endpointId, t.round),
    // The relay's scan for deliveries whose workflow has not started.
    index('webhook_deliveries_unstarted_idx')
      .on(t.createdAt)
      .where(sql`${t.startedAt} is null`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
  ],
);

/** Every HTTP attempt of a delivery, for GET /v1/webhook-endpoints/:id/deliveries. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    /** The first 4 KiB of the answer. */
    responseBody: text('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A retried activity records its attempt once.
    uniqueIndex('webhook_attempts_delivery_attempt_idx').on(t.deliveryId, t.attempt),
    // GET …/deliveries, newest first.
    index('webhook_attempts_endpoint_idx').on(t.endpointId, t.createdAt, t.id),
  ],
);
