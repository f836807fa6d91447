import { z } from 'zod';
import { countryCode, emailAddress, identifier, singleLine, uuid } from '../../domain/text';
import { languages } from '../../i18n/language';
import {
  cancelOnboarding,
  createOnboarding,
  acknowledgeOnboardingCredentials,
  getOnboarding,
  revealOnboardingCredentials,
  submitOnboarding,
} from '../../services/onboardings';
import type { ApiDeps } from '../context';
import { idParams, type ApiBuilder } from '../route';
import {
  credentialsSchema,
  onboardingCompletedSchema,
  onboardingProvisioningSchema,
  onboardingSchema,
} from '../../views/onboarding';
import { billingFrequencies, subscriptionTerms } from '../../domain/subscription-billing';

const onboardingRequestSchema = z.strictObject({
  resellerId: uuid.optional(),
  company: z.strictObject({
    name: singleLine(200),
    // As Microsoft's: lowercase letters and digits, which become <prefix>.onmicrosoft.com.
    domainPrefix: z.string().regex(/^[a-z0-9]{3,27}$/, 'lowercase letters and digits, 3 to 27 characters'),
    country: countryCode,
    address: z.strictObject({
      line1: singleLine(200),
      city: singleLine(100),
      postalCode: singleLine(20),
      region: singleLine(100).optional(),
    }),
  }),
  contact: z.strictObject({
    firstName: singleLine(100),
    lastName: singleLine(100),
    email: emailAddress,
    phone: z
      .string()
      .regex(/^\+?[0-9 ()-]{5,25}$/, 'a phone number')
      .optional(),
    language: z.enum(languages).optional(),
  }),
  items: z
    .array(
      z.strictObject({
        offerId: identifier(100),
        quantity: z.number().int().min(1).max(1_000_000),
        term: z
          .enum(subscriptionTerms)
          .optional()
          .describe("ISO 8601 term the offer sells; default: the offer's first term"),
        billingFrequency: z
          .enum(billingFrequencies)
          .optional()
          .describe("default: the offer's billingCycle when the term allows it, else monthly"),
      }),
    )
    .min(1, 'order at least one subscription')
    .max(50)
    .describe('each offer at most once (422 otherwise); set its quantity instead'),
  creditResellerAsPartnerOfRecord: z.boolean().optional(),
  supportContactResellerId: uuid.optional(),
});

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
    handle: async ({ caller, body, idempotencyKey }) => ({
      status: 202,
      json: await createOnboarding(deps, caller.partner, body, idempotencyKey),
    }),
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

  // Its answer carries the one-time password, which must not be stored: the key is honoured by the
  // service (Update id and reveal bound to the key), never by replaying a stored answer.
  api.route({
    method: 'post',
    path: '/v1/customer-onboardings/:id/submit',
    summary:
      'Submit the reviewed onboarding; answers the customer and its one-time credentials when provisioning finishes in time',
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    idempotent: 'in-handler',
    errors: [404, 409, 410, 502, 503],
    responses: {
      200: {
        description: 'Provisioned. The temporary password is shown here once',
        schema: onboardingCompletedSchema,
      },
      202: {
        description: 'Still provisioning; poll GET, then POST …/credentials',
        schema: onboardingProvisioningSchema,
      },
    },
    handle: async ({ caller, params, idempotencyKey }) =>
      submitOnboarding(deps, caller.partner, params.id, idempotencyKey),
  });

  api.route({
    method: 'post',
    path: '/v1/customer-onboardings/:id/credentials',
    summary: "Reveal the admin's temporary password, once",
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    idempotent: 'in-handler',
    errors: [404, 409, 410],
    responses: {
      200: {
        description:
          'The credentials; a second call answers 410, except the same call repeated with the same Idempotency-Key within the replay window',
        schema: z.object({ id: uuid, credentials: credentialsSchema }),
      },
    },
    handle: async ({ caller, params, idempotencyKey }) => ({
      status: 200,
      json: await revealOnboardingCredentials(deps, caller.partner, params.id, idempotencyKey),
    }),
  });

  api.route({
    method: 'delete',
    path: '/v1/customer-onboardings/:id/credentials',
    summary:
      'Acknowledge receipt of the credentials: destroys the escrow kept for a repeated reveal before its window ends',
    tag: 'Customer onboarding',
    access: ['provider'],
    params: idParams,
    errors: [404, 410],
    responses: { 200: { description: 'Destroyed', schema: z.object({ id: uuid, status: z.literal('destroyed') }) } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await acknowledgeOnboardingCredentials(deps, caller.partner, params.id),
    }),
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
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await cancelOnboarding(deps, caller.partner, params.id),
    }),
  });
}
