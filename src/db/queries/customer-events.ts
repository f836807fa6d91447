import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { customerEvents } from '../schema';
import { preparedQuery } from './prepared';

export type CustomerEventInput = {
  customerId: string;
  /** `partner:<uuid>`, `operator`, or `workflow` for changes a process makes on its own. */
  actor: string;
  action: string;
  details?: Record<string, unknown>;
  workflowId?: string;
  runId?: string;
  /** Set by activities so a retried step writes its audit row once. */
  dedupeKey?: string;
};

/** Appends to a customer's audit trail; call it in the transaction of the change it records. */
export async function recordCustomerEvent(db: DbOrTx, event: CustomerEventInput): Promise<void> {
  await db
    .insert(customerEvents)
    .values({ ...event, details: event.details ?? {} })
    .onConflictDoNothing({ target: customerEvents.dedupeKey });
}

const customerEventsPage = preparedQuery((db, shape: { after: boolean }) =>
  db
    .select()
    .from(customerEvents)
    .where(
      and(
        eq(customerEvents.customerId, sql.placeholder('customerId')),
        shape.after ? gt(customerEvents.id, sql.placeholder('afterId')) : undefined,
      ),
    )
    .orderBy(asc(customerEvents.id))
    .limit(sql.placeholder('limit'))
    .prepare('customer_events_page'),
);

export async function listCustomerEvents(db: DbOrTx, params: { customerId: string; limit: number; afterId?: number }) {
  const rows = await customerEventsPage(db, { after: params.afterId !== undefined }).execute({
    customerId: params.customerId,
    afterId: params.afterId,
    limit: params.limit + 1,
  });
  const items = rows.slice(0, params.limit);
  return { items, nextCursor: rows.length > params.limit ? String(items[items.length - 1]!.id) : null };
}
