import { z } from 'zod';
import { uuid } from '../domain/text';
import { chargeKinds, type subscriptionCharges } from '../db/schema';

/** A charge or refund as every reply shows it. */
export const chargeSchema = z.object({
  id: uuid,
  subscriptionId: uuid,
  kind: z.enum(chargeKinds),
  periodStart: z.string(),
  periodEnd: z.string(),
  quantity: z.number().int(),
  amount: z.number().int().describe('cents; negative for a refund'),
  currency: z.string(),
  createdAt: z.string(),
});
export type ChargeView = z.infer<typeof chargeSchema>;

type ChargeRow = typeof subscriptionCharges.$inferSelect;

export function chargeView(row: ChargeRow): ChargeView {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    kind: row.kind,
    periodStart: row.periodStart.toISOString(),
    periodEnd: row.periodEnd.toISOString(),
    quantity: row.quantity,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.createdAt.toISOString(),
  };
}
