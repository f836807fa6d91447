import type { z } from 'zod';
import type { customerSchema } from '../../src/api/routes/customers';
import type { eventSchema } from '../../src/api/routes/events';
import type { invitationSchema } from '../../src/api/routes/invitations';
import type { onboardingSchema } from '../../src/api/routes/onboardings';
import type { orderSchema } from '../../src/api/routes/orders';
import type { offerSchema, partnerSchema } from '../../src/api/routes/partners';
import type { partnershipSchema } from '../../src/api/routes/partnerships';
import type { resellerRelationshipSchema } from '../../src/api/routes/reseller-relationships';
import type { endpointSchema } from '../../src/api/routes/webhook-endpoints';
import type { chargeSchema } from '../../src/api/views/charge';
import type { SubscriptionView } from '../../src/api/views/subscription';

/**
 * The API's reply bodies as tests read them, inferred from the zod schemas the routes declare (and
 * document in /openapi.json): a field renamed in a schema fails the typecheck of every test that reads
 * it. The only place tests import the schemas from, so a schema that moves is followed here once.
 */

export type Partner = z.infer<typeof partnerSchema>;
export type Offer = z.infer<typeof offerSchema>;
export type Invitation = z.infer<typeof invitationSchema>;
export type Partnership = z.infer<typeof partnershipSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type Onboarding = z.infer<typeof onboardingSchema>;
export type Order = z.infer<typeof orderSchema>;
export type Subscription = SubscriptionView;
export type Charge = z.infer<typeof chargeSchema>;
export type ResellerRelationship = z.infer<typeof resellerRelationshipSchema>;
export type WebhookEndpoint = z.infer<typeof endpointSchema>;
export type Event = z.infer<typeof eventSchema>;

/** An entry of GET /v1/customers/:id/events (src/api/routes/customer-events.ts keeps its schema to itself). */
export type CustomerEvent = {
  id: string;
  customerId: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  workflowId: string | null;
  runId: string | null;
  createdAt: string;
};

/** Every list route's reply (`pageOf` in src/api/route.ts). */
export type Page<T> = { items: T[]; nextCursor: string | null };

/** The error shape of PRODUCT.md. */
export type ErrorBody = { error: { code: string; message: string; details?: unknown; requestId: string } };

/** POST /invitations/:token/accept. */
export type Accepted = { status: 'accepted'; partnership: Partnership };

/** The 202 of a request that starts a workflow (an order, an onboarding, an invitation's siblings). */
export type Placed = { id: string; status: string; workflowId: string };
