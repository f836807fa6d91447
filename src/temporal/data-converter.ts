import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { KeyRing } from '../security/cipher';
import { EncryptionCodec } from './codec';

/** The failure converter module, by path: the worker requires it and the workflow bundle embeds it. */
export const failureConverterPath = path.resolve(import.meta.dirname, 'failure-converter.cjs');

/**
 * The data converter shared by the client (API) and the worker: JSON payloads, sealed by the
 * encryption codec, with failure messages and stack traces encoded (and so encrypted) as well.
 */
export function createDataConverter(keyRing: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keyRing)], failureConverterPath };
}
