import type { Order } from './api-types';
import type { ApiClient } from './client';
import { waitFor } from './harness';

/** Polls GET /v1/orders/:id as the client until the order has left `pending` (completed or failed); returns it. */
export async function finishedOrder(client: ApiClient, orderId: string, timeoutMs = 60_000): Promise<Order> {
  return waitFor(
    async () => {
      const reply = await client.get<Order>(`/v1/orders/${orderId}`);
      return reply.status === 200 && reply.body.status !== 'pending' && reply.body;
    },
    { what: `order ${orderId} to finish`, timeoutMs },
  );
}
