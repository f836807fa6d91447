import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A link token: 256 random bits, URL-safe. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** API keys carry a prefix so a leaked one is recognisable in scanners and logs. */
export function newApiKey(): string {
  return `poe_${randomBytes(32).toString('base64url')}`;
}

/** Tokens and API keys are high-entropy, so a plain sha256 is a sufficient lookup hash. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(sha256(a));
  const right = Buffer.from(sha256(b));
  return timingSafeEqual(left, right);
}
