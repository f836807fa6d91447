import type { Request } from 'express';
import type { Db } from '../db/client';
import { getPartnerByApiKeyHash } from '../db/queries/partners';
import { safeEqual, sha256 } from '../security/tokens';
import type { Caller, Role } from '../services/callers';
import { AppError } from '../domain/errors';

export type { Caller, PartnerCaller, Role } from '../services/callers';

/** Resolves `Authorization: Bearer <key>` to the operator or a partner; anything else is 401. */
export async function authenticate(req: Request, db: Db, operatorApiKey: string): Promise<Caller> {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S{8,512})\s*$/i.exec(header);
  if (!match) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
  const key = match[1]!;
  if (safeEqual(key, operatorApiKey)) return { role: 'operator' };
  const partner = await getPartnerByApiKeyHash(db, sha256(key));
  if (!partner) throw new AppError('UNAUTHENTICATED', 'Unknown API key');
  return partner.kind === 'provider' ? { role: 'provider', partner } : { role: 'reseller', partner };
}

export function requireRole<R extends Role>(
  caller: Caller,
  roles: readonly R[],
): asserts caller is Extract<Caller, { role: R }> {
  if (!(roles as readonly Role[]).includes(caller.role)) {
    throw new AppError('FORBIDDEN', `This endpoint is for ${roles.join(' or ')} keys; yours is a ${caller.role} key`);
  }
}

export function ownerIdOf(caller: Caller): string {
  return caller.role === 'operator' ? 'operator' : caller.partner.id;
}
