import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * AES-256-GCM with a key ring: new data is sealed with the current key, and its key id travels with
 * the ciphertext so data sealed before a rotation still opens with the retired key.
 */
export type KeyRing = { currentKeyId: string; keys: Map<string, Buffer> };

/** Each raw key as a KeyObject, made once: createCipheriv would otherwise import the raw key on every call. */
const keyObjects = new WeakMap<Buffer, KeyObject>();
const keyObject = (key: Buffer) => {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = createSecretKey(key)));
  return object;
};

export function createKeyRing(current: { keyId: string; key: Buffer }, previous?: string): KeyRing {
  const keys = new Map<string, Buffer>([[current.keyId, current.key]]);
  for (const entry of (previous ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    const keyId = entry.slice(0, separator);
    const material = entry.slice(separator + 1);
    const key = /^[0-9a-fA-F]{64}$/.test(material) ? Buffer.from(material, 'hex') : Buffer.from(material, 'base64');
    if (separator < 1 || key.length !== 32)
      throw new Error(`ENCRYPTION_KEYS_PREVIOUS: entry "${keyId || entry.slice(0, 8)}" is not id:32-byte-key`);
    if (!keys.has(keyId)) keys.set(keyId, key);
  }
  return { currentKeyId: current.keyId, keys };
}

export function encryptBytes(ring: KeyRing, plaintext: Uint8Array): { keyId: string; sealed: Buffer } {
  const key = ring.keys.get(ring.currentKeyId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyObject(key), iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { keyId: ring.currentKeyId, sealed: Buffer.concat([iv, cipher.getAuthTag(), body]) };
}

export function decryptBytes(ring: KeyRing, keyId: string, sealed: Uint8Array): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`no decryption key with id "${keyId}"`);
  const buffer = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', keyObject(key), buffer.subarray(0, 12));
  decipher.setAuthTag(buffer.subarray(12, 28));
  return Buffer.concat([decipher.update(buffer.subarray(28)), decipher.final()]);
}

/** Text form for database columns: `<keyId>.<base64 of iv|tag|ciphertext>`. */
export function encryptText(ring: KeyRing, plaintext: string): string {
  const { keyId, sealed } = encryptBytes(ring, Buffer.from(plaintext, 'utf8'));
  return `${keyId}.${sealed.toString('base64')}`;
}

export function decryptText(ring: KeyRing, text: string): string {
  const separator = text.indexOf('.');
  return decryptBytes(ring, text.slice(0, separator), Buffer.from(text.slice(separator + 1), 'base64')).toString(
    'utf8',
  );
}
