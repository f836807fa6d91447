import type { z } from 'zod';
import type { chargeSchema } from '../../src/views/charge';
import type { customerSchema } from '../../src/views/customer';
import type { customerEventSchema } from '../../src/views/customer-event';
import type { eventSchema } from '../../src/views/event';
import type { invitationSchema } from '../../src/views/invitation';
import type { offerSchema } from '../../src/views/offer';
import type { onboardingSchema } from '../../src/views/onboarding';
import type { orderSchema } from '../../src/views/order';
import type { partnerSchema } from '../../src/views/partner';
import type { partnershipSchema } from '../../src/views/partnership';
import type { resellerRelationshipSchema } from '../../src/views/reseller-relationship';
import type { subscriptionSchema } from '../../src/views/subscription';
import type { endpointSchema } from '../../src/views/webhook-endpoint';

/**
 * The API's reply bodies as tests read them, inferred from the zod schemas of src/views that the routes declare (and
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
export type Subscription = z.infer<typeof subscriptionSchema>;
export type Charge = z.infer<typeof chargeSchema>;
export type ResellerRelationship = z.infer<typeof resellerRelationshipSchema>;
export type WebhookEndpoint = z.infer<typeof endpointSchema>;
export type Event = z.infer<typeof eventSchema>;

/** An entry of GET /v1/customers/:id/events. */
export type CustomerEvent = z.infer<typeof customerEventSchema>;

/** Every list route's reply (`pageOf` in src/api/route.ts). */
export type Page<T> = { items: T[]; nextCursor: string | null };

/** The error shape of PRODUCT.md. */
export type ErrorBody = { error: { code: string; message: string; details?: unknown; requestId: string } };

/** POST /invitations/:token/accept. */
export type Accepted = { status: 'accepted'; partnership: Partnership };

/** The 202 of a request that starts a workflow (an order, an onboarding, an invitation's siblings). */
export type Placed = { id: string; status: string; workflowId: string };
