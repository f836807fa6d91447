import type { Partner } from '../db/queries/partners';

/**
 * Who asks for an operation: the operator, or a partner acting as provider or reseller. The API
 * resolves a caller from an API key (src/api/auth.ts); services decide what that caller may see.
 */
export type Role = 'operator' | 'provider' | 'reseller';
export type Caller =
  | { role: 'operator' }
  | { role: 'provider'; partner: Partner }
  | { role: 'reseller'; partner: Partner };
export type PartnerCaller = Extract<Caller, { partner: Partner }>;
