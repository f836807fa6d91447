import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { orderLines, orders } from '../schema';

export type OrderLineInput = { lineNumber: number; offerId: string; quantity: number; partnerIdOnRecord: string | null };

export async function getOrderWithLines(db: DbOrTx, orderId: string) {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return undefined;
  const lines = await db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNumber));
  return { ...order, lines };
}
