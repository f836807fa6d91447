import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS without named exports Node can detect: under plain Node (tsx), only its default import works.
import proto from '@temporalio/proto';
import { decryptBytes, encryptBytes, type KeyRing } from '../security/cipher';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const { temporal } = proto;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A payload this codec cannot open: unknown key id, tampered or truncated ciphertext. */
export class PayloadDecryptionError extends Error {}

/**
 * Encrypts every Temporal payload (arguments, results, memos, update and query answers, encoded
 * failure attributes) with AES-256-GCM. The whole payload — its metadata included, so even the
 * original encoding is hidden — is sealed into the data of a new payload whose metadata names only
 * the encoding and the key id. Keys rotate through the key ring: new payloads use the current key,
 * payloads sealed with a retired key still open as long as that key is in ENCRYPTION_KEYS_PREVIOUS.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyRing: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { keyId, sealed } = encryptBytes(this.keyRing, temporal.api.common.v1.Payload.encode(payload).finish());
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: utf8(keyId) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was switched on stay readable.
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
      if (!keyId) throw new PayloadDecryptionError(`encrypted payload without "${KEY_ID_METADATA_KEY}" metadata`);
      if (!this.keyRing.keys.has(keyId))
        throw new PayloadDecryptionError(`no key with id "${keyId}" (add it to ENCRYPTION_KEYS_PREVIOUS)`);
      let plain: Buffer;
      try {
        plain = decryptBytes(this.keyRing, keyId, payload.data ?? new Uint8Array());
      } catch {
        throw new PayloadDecryptionError(`payload sealed with key "${keyId}" does not decrypt (tampered or truncated)`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
