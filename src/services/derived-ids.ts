import { createHash, randomUUID } from 'node:crypto';

/**
 * The id of what a request creates. With an Idempotency-Key it is derived from the kind, the scope
 * (e.g. the caller) and the key, so every attempt of one request names the same row and the same
 * workflow (`<kind>-<id>`), which Temporal refuses to run twice: a retry after a lost answer, a dead
 * process or a lapsed lease finds what the first attempt created instead of creating it again.
 */
export function idFor(kind: string, scope: readonly string[], idempotencyKey?: string): string {
  if (!idempotencyKey) return randomUUID();
  const hex = createHash('sha256')
    .update([kind, ...scope, idempotencyKey].join('\n'))
    .digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A stable, opaque name for one caller's Idempotency-Key (Update ids, reveal bindings); never the key itself. */
export function keyDigest(ownerId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${ownerId}\n${idempotencyKey}`).digest('hex');
}
