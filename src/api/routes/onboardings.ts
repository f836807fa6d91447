import { z } from 'zod';
import { onboardingStatuses } from '../../db/schema';
import {
  cancelOnboarding,
  createOnboarding,
  getOnboarding,
  revealOnboardingCredentials,
  submitOnboarding,
} from '../../services/onboardings';
import type { ApiDeps } from '../context';
import { idParams, type ApiBuilder } from '../route';
import { customerSchema } from './customers';
import { subscriptionSchema } from '../views/subscription';
import { billingFrequencies, subscriptionTerms } from '../../domain/subscription-billing';

const text = (max: number) => z.string().trim().min(1).max(max);
const partnerRef = z.object({ id: z.uuid(), name: z.string(), partnerId: z.string() });

export const onboardingRequestSchema = z
  .strictObject({
    resellerId: z.uuid().optional(),
    company: z.strictObject({
      name: text(200),
      // As Microsoft's: lowercase letters and digits, which become <prefix>.onmicrosoft.com.
      domainPrefix: z.string().regex(/^[a-z0-9]{3,27}$/, 'lowercase letters and digits, 3 to 27 characters'),
      country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code in capitals, e.g. ES'),
      address: z.strictObject({ line1: text(200), city: text(100), postalCode: text(20), region: text(100).optional() }),
    }),
    contact: z.strictObject({
      firstName: text(100),
      lastName: text(100),
      email: z.email().max(320),
      phone: z.string().regex(/^\+?[0-9 ()-]{5,25}$/, 'a phone number').optional(),
    }),
    items: z
      .array(
        z.strictObject({
          offerId: text(100),
          quantity: z.number().int().positive(),
          term: z.enum(subscriptionTerms).optional().describe("ISO 8601 term the offer sells; default: the offer's first term"),
          billingFrequency: z.enum(billingFrequencies).optional().describe("default: the offer's billingCycle when the term allows it, else monthly"),
        }),
      )
      .min(1, 'order at least one subscription')
      .max(50)
      .refine((items) => new Set(items.map((item) => item.offerId)).size === items.length, 'each offer at most once; set its quantity instead'),
    creditResellerAsPartnerOfRecord: z.boolean().optional(),
    supportContactResellerId: z.uuid().optional(),
  })
  .refine((body) => !(body.creditResellerAsPartnerOfRecord === true && !body.resellerId), {
    path: ['creditResellerAsPartnerOfRecord'],
    message: 'crediting a reseller needs resellerId',
  });

const fieldError = z.object({ field: z.string(), code: z.string(), message: z.string() });
const reviewSchema = z.object({
  lineItems: z.array(
    z.object({
      lineNumber: z.number().int(),
      offerId: z.string(),
      offerName: z.string(),
      quantity: z.number().int(),
      unitPrice: z.number().int().describe('cents'),
      lineTotal: z.number().int().describe('cents'),
      currency: z.string(),
      billingCycle: z.string(),
      term: z.enum(subscriptionTerms),
      billingFrequency: z.enum(billingFrequencies),
    }),
  ),
  total: z.number().int().describe('cents'),
  currency: z.string(),
  customer: z.object({ company: z.record(z.string(), z.unknown()), contact: z.record(z.string(), z.unknown()), adminUsername: z.string() }),
  reseller: partnerRef.nullable(),
  partnerOfRecord: z.object({ credited: z.boolean(), partnerId: z.string().nullable() }),
  supportContact: partnerRef.nullable(),
  expiresAt: z.string(),
});

export const onboardingSchema = z.object({
  id: z.uuid(),
  status: z.enum(onboardingStatuses),
  workflowId: z.string(),
  domain: z.string(),
  resellerId: z.string().nullable(),
  request: z.record(z.string(), z.unknown()),
  review: reviewSchema.optional(),
  errors: z.array(fieldError).optional(),
  customerId: z.string().optional(),
  failureReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const credentialsSchema = z.object({ username: z.string(), temporaryPassword: z.string() });

export function onboardingRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'post',
    path: '/v1/customer-onboardings',
    summary: 'Add a new customer, optionally on behalf of a reseller: validates, then holds the draft for review',
    tag: 'Customer onboarding',
    access: ['provider'],
    body: onboardingRequestSchema,
    idempotent: true,
    errors: [422, 503],
    responses: { 202: { description: 'Validating; poll GET for the review', schema: onboardingSchema } },
    handle: async ({ caller, body }) => ({ status: 202, json: await createOnboarding(deps, caller.partner, body) }),
  });

  api.route({
    method: 'get',
    path: '/v1/customer-onboardings/:id',
    summary: 'One onboarding: its status, review, per-field errors or outcome',
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The onboarding', schema: onboardingSchema } },
    handle: async ({ caller, params }) => ({ status: 200, json: await getOnboarding(deps, caller.partner, params.id) }),
  });

  // Not idempotent by key on purpose: its answer carries the one-time password, which must not be stored.
  api.route({
    method: 'post',
    path: '/v1/customer-onboardings/:id/submit',
    summary: 'Submit the reviewed onboarding; answers the customer and its one-time credentials when provisioning finishes in time',
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    errors: [404, 409, 502],
    responses: {
      200: {
        description: 'Provisioned. The temporary password is shown here once',
        schema: z.object({
          id: z.uuid(),
          status: z.literal('completed'),
          customer: customerSchema.optional(),
          subscriptions: z.array(subscriptionSchema),
          credentials: credentialsSchema,
        }),
      },
      202: {
        description: 'Still provisioning; poll GET, then POST …/credentials',
        schema: z.object({ id: z.uuid(), status: z.literal('provisioning'), workflowId: z.string() }),
      },
    },
    handle: async ({ caller, params }) => submitOnboarding(deps, caller.partner, params.id),
  });

  api.route({
    method: 'post',
    path: '/v1/customer-onboardings/:id/credentials',
    summary: "Reveal the admin's temporary password, once",
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    errors: [404, 409, 410],
    responses: { 200: { description: 'The credentials; a second call answers 410', schema: z.object({ id: z.uuid(), credentials: credentialsSchema }) } },
    handle: async ({ caller, params }) => ({ status: 200, json: await revealOnboardingCredentials(deps, caller.partner, params.id) }),
  });

  api.route({
    method: 'post',
    path: '/v1/customer-onboardings/:id/cancel',
    summary: 'Cancel the whole operation before submit; nothing is created and the domain is free again',
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    errors: [404, 409],
    responses: { 200: { description: 'Cancelled', schema: z.object({ status: z.literal('cancelled') }) } },
    handle: async ({ caller, params }) => ({ status: 200, json: await cancelOnboarding(deps, caller.partner, params.id) }),
  });
}
