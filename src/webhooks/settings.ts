import { loadConfig, type Config } from '../config';

/** The webhook part of the configuration (WEBHOOK_* and EVENT_RETENTION). */
export type WebhookSettings = Config['webhooks'];

/** The defaults of PRODUCT.md §7, for callers built without a configuration (unit tests). */
export const defaultWebhookSettings: WebhookSettings = loadConfig({}).webhooks;

/** The answer must come within this; PRODUCT.md §7 fixes it. */
export const deliveryTimeoutMs = 15_000;
