import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64 key
 * bytes; the signature is `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with those bytes.
 * During a rotation every live secret signs, space-separated, so a receiver holding either verifies.
 */
export const secretPrefix = 'whsec_';

export function newWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(24).toString('base64')}`;
}

export function signatureHeader(secrets: string[], message: { id: string; timestamp: number; body: string }): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.slice(secretPrefix.length), 'base64');
      const mac = createHmac('sha256', key)
        .update(`${message.id}.${message.timestamp}.${message.body}`)
        .digest('base64');
      return `v1,${mac}`;
    })
    .join(' ');
}

/** The three headers of the specification, plus the content type of the JSON body. */
export function webhookHeaders(
  secrets: string[],
  message: { id: string; timestamp: number; body: string },
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': signatureHeader(secrets, message),
  };
}
