import type { Request } from 'express';
import type { Db } from '../db/client';
import { getPartnerByApiKeyHash, type Partner } from '../db/queries/partners';
import { safeEqual, sha256 } from '../security/tokens';
import type { Caller, Role } from '../services/callers';
import { AppError } from '../domain/errors';

export type { Caller, PartnerCaller, Role } from '../services/callers';

/** Keys resolved at most this many at once; past it the least recently resolved is forgotten first. */
const MAX_CACHED_KEYS = 10_000;

/**
 * Resolves `Authorization: Bearer <key>` to the operator or a partner; anything else is 401.
 *
 * A partner's key is looked up by its hash, and the answer is kept for `cacheTtlMs`
 * (`API_KEY_CACHE_TTL`): every request after the first skips that round trip, which on a read was
 * one of two made one after the other. What decides access (the partner's id, kind and public
 * partnerId) never changes; the rest of the record (name, country) may be up to `cacheTtlMs` old in
 * another API process after an operator's PATCH (this process forgets it at once, `forgetPartner`).
 * `GET /v1/partners/me` reads the record itself. Unknown keys are never kept; concurrent first
 * requests with one key share one query. `cacheTtlMs` 0 looks every key up.
 */
/** A key's lookup, kept until expiresAt; partnerId once it resolved to a partner. */
type KeptKey = { partner: Promise<Partner | undefined>; expiresAt: number; partnerId?: string };

export class Authenticator {
  private readonly resolved = new Map<string, KeptKey>();

  constructor(private readonly deps: { db: Db; operatorApiKey: string; cacheTtlMs: number; now?: () => number }) {}

  async authenticate(req: Request): Promise<Caller> {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S{8,512})\s*$/i.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
    const key = match[1]!;
    if (safeEqual(key, this.deps.operatorApiKey)) return { role: 'operator' };
    const partner = await this.partnerOf(sha256(key));
    if (!partner) throw new AppError('UNAUTHENTICATED', 'Unknown API key');
    return partner.kind === 'provider' ? { role: 'provider', partner } : { role: 'reseller', partner };
  }

  /** Drops what is kept for a partner's key after a change to its record (and any lookup still running). */
  forgetPartner(partnerId: string): void {
    for (const [hash, entry] of this.resolved)
      if (entry.partnerId === undefined || entry.partnerId === partnerId) this.resolved.delete(hash);
  }

  private partnerOf(keyHash: string): Promise<Partner | undefined> {
    if (this.deps.cacheTtlMs <= 0) return getPartnerByApiKeyHash(this.deps.db, keyHash);
    const now = (this.deps.now ?? Date.now)();
    const kept = this.resolved.get(keyHash);
    if (kept && kept.expiresAt > now) {
      // Most recently used last, so the first in the map is the one to forget when full.
      this.resolved.delete(keyHash);
      this.resolved.set(keyHash, kept);
      return kept.partner;
    }
    const entry: KeptKey = {
      partner: getPartnerByApiKeyHash(this.deps.db, keyHash),
      expiresAt: now + this.deps.cacheTtlMs,
    };
    this.resolved.delete(keyHash);
    this.resolved.set(keyHash, entry);
    if (this.resolved.size > MAX_CACHED_KEYS) this.resolved.delete(this.resolved.keys().next().value!);
    const forget = () => {
      if (this.resolved.get(keyHash) === entry) this.resolved.delete(keyHash);
    };
    entry.partner.then((partner) => (partner ? (entry.partnerId = partner.id) : forget()), forget);
    return entry.partner;
  }
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
