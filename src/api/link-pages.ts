import type { Request, Router } from 'express';
import { z } from 'zod';
import { freeText } from '../domain/text';
import { AppError } from './errors';
import { escapeHtml, page } from './html';
import { byAddress, limitRequests } from './rate-limit';
import type { Reply } from './route';

/** Shared by the public pages behind emailed links (invitations, reseller relationships). */

export const linkTokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'not a link token') });
export const declineBody = z.strictObject({ reason: freeText(2_000).optional() });

/** A browser submitting the page's form gets a page back; API clients get JSON. */
export const wantsHtml = (req: Request) => (req.get('accept') ?? '').includes('text/html');

/** Link tokens are the credential: slow down anyone guessing them. */
export function linkRateLimit(router: Router, prefix: string, perMinute: number) {
  limitRequests(router, prefix, perMinute, byAddress);
}

/** What a link page answers, for the OpenAPI document. */
export const linkPageResponses = {
  200: { description: 'The page', html: true },
  404: { description: 'Unknown link', html: true },
  410: { description: 'Expired or revoked', html: true },
};

type LinkedRequest = { status: string; provider: { name: string } };

/**
 * The page a link opens: unknown token 404, expired or revoked 410, already answered a notice,
 * pending the request itself with its accept and decline forms.
 */
export async function linkPage<T extends LinkedRequest>(
  noun: string,
  load: () => Promise<T>,
  pending: (request: T) => { title: string; body: string },
): Promise<Reply> {
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  let request: T;
  try {
    request = await load();
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') {
      return { status: 404, html: page(`${Noun} not found`, `<h1>${Noun} not found</h1><p>This link is not valid. Check that you copied all of it.</p>`) };
    }
    throw error;
  }
  const provider = escapeHtml(request.provider.name);
  if (request.status === 'expired' || request.status === 'revoked') {
    return {
      status: 410,
      html: page(`${Noun} no longer valid`, `<h1>This ${noun} is no longer valid</h1><p>${provider}'s ${noun} was ${request.status}. Ask them to send a new one.</p>`),
    };
  }
  if (request.status !== 'pending') {
    return { status: 200, html: page(`${Noun} answered`, `<h1>${Noun} ${request.status}</h1><p>This ${noun} from ${provider} was already ${request.status}.</p>`) };
  }
  const { title, body } = pending(request);
  return { status: 200, html: page(title, body) };
}
