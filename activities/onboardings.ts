import { ApplicationFailure } from '@temporalio/common';
import { and, eq, ne } from 'drizzle-orm';
import type { Tx } from '../src/db/client';
import { recordCustomerEvent } from '../src/db/queries/customer-events';
import { onboardingFacts, setOnboardingStatus } from '../src/db/queries/onboardings';
import { assessOnboardingRequest } from '../src/domain/onboarding';
import { findActivePartnership } from '../src/db/queries/partnerships';
import { recordOnboardingEvent } from '../src/events/record';
import { credentialEscrow, customers, customerUsers, onboardings, subscriptions } from '../src/db/schema';
import { encryptText } from '../src/security/cipher';
import { hashPassword, newTemporaryPassword } from '../src/security/passwords';
import { businessFailure } from '../workflows/failures';
import {
  adminUsername,
  tenantDomain,
  type FieldError,
  type OnboardingRequest,
  type OnboardingReview,
} from '../workflows/onboarding.messages';
import type { ActivityDeps } from './index';
import { afterStep, currentRun } from './provisioning';

/**
 * Activities of the customer-onboarding workflow. Each is safe to run twice: rows are keyed by ids
 * the workflow chose, status changes apply only from the expected status, audit rows carry a
 * dedupe key. The admin's temporary password is made, hashed and escrowed inside one activity and
 * never returned, so it cannot reach workflow history.
 */
export function createOnboardingActivities(deps: ActivityDeps) {
  const { db, keyRing } = deps;

  async function loadOnboarding(executor: Tx | typeof db, onboardingId: string) {
    const [row] = await executor.select().from(onboardings).where(eq(onboardings.id, onboardingId));
    if (!row) throw ApplicationFailure.nonRetryable(`onboarding ${onboardingId} does not exist`, 'ONBOARDING_MISSING');
    return { ...row, request: row.request as unknown as OnboardingRequest, actor: `partner:${row.providerId}` };
  }

  /** Moves the onboarding on and records the event of the state reached, in one transaction. */
  const moveOnboarding = (params: Parameters<typeof setOnboardingStatus>[1]) =>
    db.transaction(async (tx) => {
      if (await setOnboardingStatus(tx, params)) await recordOnboardingEvent(tx, params.id);
    });

  return {
    /** Read-only: the authoritative check of the request against the database, and the review. */
    async validateOnboarding(input: { onboardingId: string; reviewExpiresAt: string }) {
      const onboarding = await loadOnboarding(db, input.onboardingId);
      const facts = await onboardingFacts(db, { providerId: onboarding.providerId, request: onboarding.request });
      return assessOnboardingRequest(onboarding.request, facts, new Date(input.reviewExpiresAt));
    },

    /** Writes the validation outcome; the workflow has already moved to the same status. */
    async recordValidation(input: {
      onboardingId: string;
      review?: OnboardingReview;
      errors?: FieldError[];
    }): Promise<void> {
      await moveOnboarding({
        id: input.onboardingId,
        from: ['validating'],
        to: input.review ? 'awaiting_review' : 'rejected',
        review: input.review,
        errors: input.errors,
      });
    },

    /** Cancel or review expiry: the draft ends, and with it the hold on the domain. */
    async closeOnboarding(input: { onboardingId: string; status: 'cancelled' | 'expired' }): Promise<void> {
      await moveOnboarding({ id: input.onboardingId, from: ['validating', 'awaiting_review'], to: input.status });
    },

    async beginProvisioning(input: { onboardingId: string }): Promise<void> {
      await setOnboardingStatus(db, { id: input.onboardingId, from: ['awaiting_review'], to: 'provisioning' });
    },

    /** Step 1: the tenant `<prefix>.onmicrosoft.com`, in status `provisioning` until the saga ends. */
    async createCustomerTenant(input: { onboardingId: string; customerId: string }): Promise<void> {
      const run = currentRun();
      const onboarding = await loadOnboarding(db, input.onboardingId);
      const { company, contact } = onboarding.request;
      await db.transaction(async (tx) => {
        // No target: a live customer holding the domain (customers_live_domain_idx) is also "nothing inserted".
        await tx
          .insert(customers)
          .values({
            id: input.customerId,
            providerId: onboarding.providerId,
            name: company.name,
            domainPrefix: company.domainPrefix,
            domain: tenantDomain(company.domainPrefix),
            country: company.country,
            address: company.address,
            contact,
            status: 'provisioning',
            onboardingId: input.onboardingId,
          })
          .onConflictDoNothing();
        const [created] = await tx
          .select({ id: customers.id })
          .from(customers)
          .where(eq(customers.id, input.customerId));
        if (!created)
          throw businessFailure('DOMAIN_TAKEN', `${tenantDomain(company.domainPrefix)} was taken in the meantime`);
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: onboarding.actor,
          action: 'customer.created',
          details: { onboardingId: input.onboardingId, domain: tenantDomain(company.domainPrefix) },
          ...run,
          dedupeKey: `onboarding:${input.onboardingId}:customer.created`,
        });
      });
      await afterStep(deps, 'createTenant', input.customerId);
    },

    /** Compensation of step 1: `deleted` frees the domain (the live-domain index skips deleted rows). */
    async deleteCustomerTenant(input: { customerId: string; reason: string }): Promise<void> {
      const run = currentRun();
      await db.transaction(async (tx) => {
        const [deleted] = await tx
          .update(customers)
          .set({ status: 'deleted', updatedAt: new Date() })
          .where(and(eq(customers.id, input.customerId), ne(customers.status, 'deleted')))
          .returning({ id: customers.id });
        if (!deleted) return;
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: 'workflow',
          action: 'customer.deleted',
          details: { reason: input.reason },
          ...run,
          dedupeKey: `customer:${input.customerId}:deleted`,
        });
      });
    },

    /**
     * Step 2: the admin user with a random temporary password. Only a scrypt hash is stored with the
     * user, and the password itself is sealed in the escrow for its one-time reveal. Returns the username only.
     */
    async createAdminUser(input: { onboardingId: string; customerId: string }): Promise<{ username: string }> {
      const run = currentRun();
      const onboarding = await loadOnboarding(db, input.onboardingId);
      const username = adminUsername(onboarding.request.company.domainPrefix);
      const [existing] = await db
        .select({ customerId: customerUsers.customerId })
        .from(customerUsers)
        .where(eq(customerUsers.username, username));
      if (existing && existing.customerId !== input.customerId) {
        throw ApplicationFailure.nonRetryable(`${username} belongs to another customer`, 'USERNAME_TAKEN');
      }
      if (!existing) {
        const password = newTemporaryPassword();
        const passwordHash = await hashPassword(password);
        await db.transaction(async (tx) => {
          const inserted = await tx
            .insert(customerUsers)
            .values({ customerId: input.customerId, username, passwordHash })
            .onConflictDoNothing({ target: customerUsers.username })
            .returning({ id: customerUsers.id });
          // A concurrent attempt won; its password is the one escrowed.
          if (inserted.length === 0) return;
          await tx
            .insert(credentialEscrow)
            .values({ onboardingId: input.onboardingId, username, passwordEncrypted: encryptText(keyRing, password) })
            .onConflictDoNothing();
          await recordCustomerEvent(tx, {
            customerId: input.customerId,
            actor: onboarding.actor,
            action: 'admin_user.created',
            details: { username },
            ...run,
            dedupeKey: `onboarding:${input.onboardingId}:admin_user.created`,
          });
        });
      }
      await afterStep(deps, 'createAdminUser', input.customerId);
      return { username };
    },

    /** Compensation of step 2: the user and its escrowed password are removed, so the name is free again. */
    async deleteAdminUser(input: { onboardingId: string; customerId: string }): Promise<void> {
      const run = currentRun();
      await db.transaction(async (tx) => {
        const removed = await tx
          .delete(customerUsers)
          .where(eq(customerUsers.customerId, input.customerId))
          .returning({ username: customerUsers.username });
        await tx.delete(credentialEscrow).where(eq(credentialEscrow.onboardingId, input.onboardingId));
        if (removed.length === 0) return;
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: 'workflow',
          action: 'admin_user.deleted',
          details: { usernames: removed.map((row) => row.username) },
          ...run,
          dedupeKey: `onboarding:${input.onboardingId}:admin_user.deleted`,
        });
      });
    },

    /** Step 5: the reseller gets delegated admin over the customer; the support contact goes on the subscriptions. */
    async associateReseller(input: { onboardingId: string; customerId: string; orderId: string }): Promise<void> {
      const run = currentRun();
      const onboarding = await loadOnboarding(db, input.onboardingId);
      const { resellerId, supportContactResellerId } = onboarding.request;
      for (const [field, id] of [
        ['resellerId', resellerId],
        ['supportContactResellerId', supportContactResellerId],
      ] as const) {
        if (id && !(await findActivePartnership(db, { providerId: onboarding.providerId, resellerId: id }))) {
          throw businessFailure(
            'PARTNERSHIP_NOT_ACTIVE',
            `The partnership with the reseller in ${field} is no longer active`,
          );
        }
      }
      await db.transaction(async (tx) => {
        if (resellerId) {
          await tx
            .update(customers)
            .set({ resellerId, updatedAt: new Date() })
            .where(eq(customers.id, input.customerId));
          await recordCustomerEvent(tx, {
            customerId: input.customerId,
            actor: onboarding.actor,
            action: 'reseller.associated',
            details: { resellerId },
            ...run,
            dedupeKey: `onboarding:${input.onboardingId}:reseller.associated`,
          });
        }
        if (supportContactResellerId) {
          await tx
            .update(subscriptions)
            .set({ supportContactResellerId, updatedAt: new Date() })
            .where(eq(subscriptions.orderId, input.orderId));
          await recordCustomerEvent(tx, {
            customerId: input.customerId,
            actor: onboarding.actor,
            action: 'support_contact.set',
            details: { resellerId: supportContactResellerId, orderId: input.orderId },
            ...run,
            dedupeKey: `onboarding:${input.onboardingId}:support_contact.set`,
          });
        }
      });
      await afterStep(deps, 'associateReseller', input.customerId);
    },

    /** Compensation of step 5. */
    async dissociateReseller(input: { onboardingId: string; customerId: string; orderId: string }): Promise<void> {
      const run = currentRun();
      await db.transaction(async (tx) => {
        const [changed] = await tx
          .update(customers)
          .set({ resellerId: null, updatedAt: new Date() })
          .where(eq(customers.id, input.customerId))
          .returning({ id: customers.id });
        await tx
          .update(subscriptions)
          .set({ supportContactResellerId: null, updatedAt: new Date() })
          .where(eq(subscriptions.orderId, input.orderId));
        if (!changed) return;
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: 'workflow',
          action: 'reseller.dissociated',
          ...run,
          dedupeKey: `onboarding:${input.onboardingId}:reseller.dissociated`,
        });
      });
    },

    /** The saga's end: the customer becomes `active` and the onboarding `completed`, together. */
    async completeOnboarding(input: { onboardingId: string; customerId: string }): Promise<void> {
      const run = currentRun();
      const onboarding = await loadOnboarding(db, input.onboardingId);
      await db.transaction(async (tx) => {
        await tx
          .update(customers)
          .set({ status: 'active', updatedAt: new Date() })
          .where(and(eq(customers.id, input.customerId), eq(customers.status, 'provisioning')));
        if (
          await setOnboardingStatus(tx, {
            id: input.onboardingId,
            from: ['provisioning'],
            to: 'completed',
            customerId: input.customerId,
          })
        ) {
          await recordOnboardingEvent(tx, input.onboardingId);
        }
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: onboarding.actor,
          action: 'customer.activated',
          details: { onboardingId: input.onboardingId },
          ...run,
          dedupeKey: `onboarding:${input.onboardingId}:customer.activated`,
        });
      });
    },

    /** After the compensations: the onboarding is `failed` with its reason; the domain is free. */
    async failOnboarding(input: { onboardingId: string; reason: string }): Promise<void> {
      await moveOnboarding({
        id: input.onboardingId,
        from: ['provisioning'],
        to: 'failed',
        failureReason: input.reason,
      });
    },
  };
}
