import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { decodeCursor } from '../db/queries/pagination';
import { AppError } from '../domain/errors';
import type { KeyRing } from '../security/cipher';

/**
 * List cursors are opaque to clients: the position a query module writes (its own encoding) is
 * sealed here with an HMAC, so a cursor this API did not issue is a 400 before any query runs.
 * The MAC key is derived from the encryption key ring; cursors sealed before a rotation still open
 * while the retired key stays in ENCRYPTION_KEYS_PREVIOUS.
 */
export type CursorSeal = {
  seal(position: string): string;
  /** The position inside, or undefined when the cursor is forged, truncated or from another deployment. */
  open(cursor: string): string | undefined;
};

const macBytes = 16;

export function cursorSeal(ring: KeyRing): CursorSeal {
  const macKey = (key: Buffer) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'list-cursor', 32));
  const current = macKey(ring.keys.get(ring.currentKeyId)!);
  const all = [...ring.keys.values()].map(macKey);
  const mac = (key: Buffer, payload: string) =>
    createHmac('sha256', key).update(payload).digest().subarray(0, macBytes);

  return {
    seal(position) {
      const payload = Buffer.from(position, 'utf8').toString('base64url');
      return `${payload}.${mac(current, payload).toString('base64url')}`;
    },
    open(cursor) {
      const [payload, signature, extra] = cursor.split('.');
      if (!payload || !signature || extra !== undefined) return undefined;
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== macBytes) return undefined;
      if (!all.some((key) => timingSafeEqual(mac(key, payload), given))) return undefined;
      return Buffer.from(payload, 'base64url').toString('utf8');
    },
  };
}

/** The position of a list query's `cursor` (already unsealed by the route builder); one it cannot read is a 400. */
export function cursorFrom(text: string | undefined) {
  if (text === undefined) return undefined;
  const cursor = decodeCursor(text);
  if (!cursor)
    throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor this API issued', [
      { path: 'query.cursor', code: 'invalid', message: 'unknown cursor' },
    ]);
  return cursor;
}
