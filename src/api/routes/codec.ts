import type { Payload } from '@temporalio/common';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { identifier } from '../../domain/text';
import { EncryptionCodec, PayloadDecryptionError } from '../../temporal/codec';
import { requireRole } from '../auth';
import type { ApiDeps } from '../context';
import { AppError } from '../../domain/errors';
import type { ApiBuilder, Reply } from '../route';

/** The Temporal UI's remote codec format: metadata values and data as base64. */
const payloadJson = z.object({
  metadata: z.record(identifier(256), z.base64()).default({}),
  data: z.base64().default(''),
});
const payloadsBody = z.object({ payloads: z.array(payloadJson).max(10_000) });
type PayloadJson = z.output<typeof payloadJson>;

const fromJson = (payload: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  ),
  data: Buffer.from(payload.data, 'base64'),
});
const toJson = (payload: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/** The headers the Temporal UI sends to a codec endpoint (Authorization only when it forwards the user's token). */
const allowedHeaders = 'content-type, authorization, x-namespace, x-request-id';

/**
 * CORS for the Temporal UI, whose browser page calls the codec endpoint directly: only the UI's
 * origin (UI_ORIGIN) is allowed, preflights included. Mounted before the body parsers.
 */
export function codecMiddleware(deps: ApiDeps): RequestHandler[] {
  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin === deps.config.uiOrigin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();
    if (origin === deps.config.uiOrigin) {
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', allowedHeaders);
      res.setHeader('access-control-max-age', '600');
    }
    res.status(204).end();
  };
  // A history's payloads can outgrow the API's 100 kB body limit.
  return [cors, express.json({ limit: '4mb', strict: true })];
}

/**
 * POST /codec/encode and /codec/decode: the remote codec the Temporal UI (and `temporal` CLI,
 * `--codec-endpoint`) uses to show workflow payloads in plaintext. Operator-only; in dev mode the UI
 * runs without forwarding credentials, so calls from UI_ORIGIN are let in without a key there.
 */
export function codecRoutes(api: ApiBuilder, deps: ApiDeps) {
  const codec = new EncryptionCodec(deps.keyRing);

  const authorise = async (req: Parameters<RequestHandler>[0]) => {
    if (deps.devMode && req.get('origin') === deps.config.uiOrigin && !req.get('authorization')) return;
    requireRole(await api.authenticator.authenticate(req), ['operator']);
  };

  const transcode = async (
    payloads: PayloadJson[],
    direction: 'encode' | 'decode',
  ): Promise<{ status: 200; json: { payloads: PayloadJson[] } }> => {
    const results: PayloadJson[] = [];
    for (const [index, payload] of payloads.entries()) {
      try {
        const [result] = await codec[direction]([fromJson(payload)]);
        results.push(toJson(result!));
      } catch (error) {
        if (!(error instanceof PayloadDecryptionError)) throw error;
        throw new AppError('VALIDATION_FAILED', `body.payloads.${index}: ${error.message}`, [
          { path: `body.payloads.${index}`, code: 'undecryptable', message: error.message },
        ]);
      }
    }
    return { status: 200, json: { payloads: results } };
  };

  for (const direction of ['encode', 'decode'] as const) {
    api.route({
      method: 'post',
      path: `/codec/${direction}`,
      summary:
        direction === 'encode'
          ? 'Encrypts payloads as the engine stores them in Temporal (Temporal UI remote codec)'
          : 'Decrypts payloads read from Temporal history (Temporal UI remote codec)',
      tag: 'Operations',
      access: deps.devMode ? 'public' : ['operator'],
      body: payloadsBody,
      responses: { 200: { description: `The ${direction}d payloads, in order`, schema: payloadsBody } },
      errors: deps.devMode ? [401, 403] : [],
      handle: async ({ body, req }) => {
        await authorise(req);
        return transcode(body.payloads, direction);
      },
    });
  }
}
