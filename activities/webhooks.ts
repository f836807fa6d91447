import { readerOf } from '../src/i18n/language';
import { webhookEndpointDisabledMail } from '../src/mail/templates';
import { eq } from 'drizzle-orm';
import type { Tx } from '../src/db/client';
import { deleteEventsBefore } from '../src/db/queries/events';
import {
  findAttempt,
  getDeliveryForAttempt,
  recordAttempt,
  settleDelivery,
} from '../src/db/queries/webhook-deliveries';
import { markEndpointFailing, markEndpointHealthy } from '../src/db/queries/webhook-endpoints';
import { partners } from '../src/db/schema';
import type { QueuedMail } from '../src/mail/mailer';
import { decryptText } from '../src/security/cipher';
import { eventView } from '../src/views/event';
import { sendWebhook } from '../src/webhooks/send';
import { deliveryTimeoutMs, defaultWebhookSettings } from '../src/webhooks/settings';
import { webhookHeaders } from '../src/webhooks/signing';
import { checkWebhookUrlSyntax } from '../src/webhooks/url-safety';
import type { WebhookAttemptOutcome } from '../workflows/webhook-delivery.messages';
import type { ActivityDeps } from './index';

/**
 * Webhook delivery activities. An attempt reads and decrypts the endpoint's secrets itself and
 * returns only the outcome, so no secret reaches workflow history or a log. Each attempt is recorded
 * once (keyed by delivery and attempt number): a retried activity reports the recorded outcome
 * instead of sending again.
 */
export function createWebhookActivities({
  db,
  mailer,
  keyRing,
  logger,
  webhooks = defaultWebhookSettings,
}: ActivityDeps) {
  /** The owner's email when its endpoint was just disabled, queued in the transaction that disabled it. */
  async function queueDisabledMail(
    tx: Tx,
    endpoint: { id: string; ownerId: string; url: string },
  ): Promise<QueuedMail | undefined> {
    const [owner] = await tx
      .select({ email: partners.email, language: partners.language, country: partners.country })
      .from(partners)
      .where(eq(partners.id, endpoint.ownerId));
    if (!owner) return undefined;
    const dedupeKey = `webhook-endpoint:${endpoint.id}:disabled:${Date.now()}`;
    return mailer.enqueue(tx, {
      dedupeKey,
      to: owner.email,
      ...webhookEndpointDisabledMail(readerOf(owner), {
        url: endpoint.url,
        endpointId: endpoint.id,
        minutes: Math.round(webhooks.disableAfterMs / 60_000),
      }),
    });
  }

  return {
    async attemptWebhookDelivery({
      deliveryId,
      attempt,
    }: {
      deliveryId: string;
      attempt: number;
    }): Promise<WebhookAttemptOutcome> {
      const recorded = await findAttempt(db, { deliveryId, attempt });
      if (recorded)
        return {
          outcome: recorded.error === null ? 'delivered' : 'failed',
          statusCode: recorded.statusCode,
          error: recorded.error,
        };
      const row = await getDeliveryForAttempt(db, deliveryId);
      if (!row) return { outcome: 'stopped', statusCode: null, error: 'the endpoint or the event no longer exists' };
      const { event, endpoint } = row;
      if (!endpoint.enabled && event.type !== 'webhook.test')
        return { outcome: 'stopped', statusCode: null, error: 'the endpoint is disabled' };

      const now = new Date();
      const secrets = [decryptText(keyRing, endpoint.secretEncrypted)];
      if (
        endpoint.previousSecretEncrypted &&
        endpoint.previousSecretExpiresAt &&
        endpoint.previousSecretExpiresAt > now
      ) {
        secrets.push(decryptText(keyRing, endpoint.previousSecretEncrypted));
      }
      const view = eventView(event);
      const body = JSON.stringify({ type: view.type, timestamp: view.createdAt, data: view.data });
      const headers = webhookHeaders(secrets, { id: event.id, timestamp: Math.floor(now.getTime() / 1000), body });

      // Checked again at each delivery: the scheme and literal addresses here, the resolved name at connect.
      const verdict = checkWebhookUrlSyntax(endpoint.url, { allowPrivate: webhooks.allowPrivate });
      const result = verdict.ok
        ? await sendWebhook({
            url: verdict.url,
            headers,
            body,
            timeoutMs: deliveryTimeoutMs,
            allowPrivate: webhooks.allowPrivate,
          })
        : {
            statusCode: null,
            durationMs: 0,
            error: `refused: ${verdict.reason}`,
            responseBody: null,
            delivered: false,
          };

      // The attempt, the endpoint's health and (once) its disabling with the owner's email: one transaction.
      const mail = await db.transaction(async (tx) => {
        await recordAttempt(tx, {
          deliveryId,
          endpointId: endpoint.id,
          attempt,
          statusCode: result.statusCode,
          durationMs: result.durationMs,
          error: result.delivered ? null : (result.error ?? 'failed'),
          responseBody: result.responseBody,
        });
        if (result.delivered) return void (await markEndpointHealthy(tx, endpoint.id));
        if (!(await markEndpointFailing(tx, { id: endpoint.id, disableAfterMs: webhooks.disableAfterMs })))
          return undefined;
        logger.warn(
          { endpointId: endpoint.id },
          'webhook endpoint disabled: every delivery failed for WEBHOOK_DISABLE_AFTER',
        );
        return queueDisabledMail(tx, endpoint);
      });
      if (mail) await mailer.deliver([mail]);
      return {
        outcome: result.delivered ? 'delivered' : 'failed',
        statusCode: result.statusCode,
        error: result.delivered ? null : result.error,
      };
    },

    async settleWebhookDelivery(params: { deliveryId: string; status: 'delivered' | 'failed' }): Promise<void> {
      await settleDelivery(db, { id: params.deliveryId, status: params.status });
    },

    /** The retention cleanup: events older than EVENT_RETENTION, with their deliveries and attempts. */
    async deleteExpiredEvents(): Promise<{ deleted: number }> {
      const deleted = await deleteEventsBefore(db, new Date(Date.now() - webhooks.eventRetentionMs));
      logger.info({ deleted }, 'expired events removed');
      return { deleted };
    },
  };
}
