import { z } from 'zod';
import { uuid } from '../domain/text';
import type { webhookEndpoints } from '../db/schema';
import { eventTypes } from '../events/types';

/** A webhook endpoint as every reply shows it; its secret never (only `withSecret`, once). */
export const endpointSchema = z.object({
  id: uuid,
  url: z.string(),
  events: z.array(z.enum(eventTypes)).nullable().describe('The event types sent; null means all'),
  description: z.string().nullable(),
  enabled: z.boolean(),
  previousSecretExpiresAt: z.string().nullable().describe('Until then the previous secret signs too'),
  failingSince: z.string().nullable(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type EndpointView = z.infer<typeof endpointSchema>;

/** Extension for registration and rotation: the endpoint with its new secret, shown this once. */
export const endpointWithSecretSchema = z.object({
  endpoint: endpointSchema,
  secret: z.string().describe('`whsec_…`, shown this once'),
});

type EndpointRow = Pick<
  typeof webhookEndpoints.$inferSelect,
  | 'id'
  | 'url'
  | 'eventTypes'
  | 'description'
  | 'enabled'
  | 'previousSecretExpiresAt'
  | 'failingSince'
  | 'disabledAt'
  | 'createdAt'
  | 'updatedAt'
>;

export function endpointView(endpoint: EndpointRow): EndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.eventTypes,
    description: endpoint.description,
    enabled: endpoint.enabled,
    previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() ?? null,
    failingSince: endpoint.failingSince?.toISOString() ?? null,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
