import { z } from 'zod';
import { getPartnershipForPartner, listPartnerships, removePartnership } from '../../db/queries/partnerships';
import { partnershipStatuses } from '../../db/schema';
import { recordPartnershipEvent } from '../../events/record';
import { partnershipSchema, partnershipView } from '../../views/partnership';
import type { ApiDeps } from '../context';
import { AppError, notFound } from '../../domain/errors';
import { cursorFrom } from '../cursor';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';

export function partnershipRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/v1/partnerships',
    summary: "The caller's partnerships: a provider's resellers, or a reseller's providers",
    tag: 'Partnerships',
    access: ['provider', 'reseller'],
    query: listQuery.extend({ status: z.enum(partnershipStatuses).optional() }),
    responses: { 200: { description: 'A page of partnerships', schema: pageOf(partnershipSchema) } },
    handle: async ({ caller, query }) => {
      const result = await listPartnerships(deps.db, {
        side: caller.role,
        partnerId: caller.partner.id,
        status: query.status,
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      });
      return { status: 200, json: { items: result.items.map(partnershipView), nextCursor: result.nextCursor } };
    },
  });

  api.route({
    method: 'delete',
    path: '/v1/partnerships/:id',
    summary: "End a partnership. The reseller's customers stay associated with it, as in Partner Center",
    tag: 'Partnerships',
    access: ['provider'],
    params: idParams,
    errors: [404, 409],
    responses: { 200: { description: 'Removed', schema: z.object({ status: z.literal('removed') }) } },
    handle: async ({ caller, params }) => {
      const removed = await deps.db.transaction(async (tx) => {
        const row = await removePartnership(tx, { id: params.id, providerId: caller.partner.id });
        if (row) await recordPartnershipEvent(tx, { partnershipId: row.id, providerId: caller.partner.id });
        return row;
      });
      if (!removed) {
        const partnership = await getPartnershipForPartner(deps.db, { id: params.id, partnerId: caller.partner.id });
        if (partnership?.provider.id !== caller.partner.id) throw notFound('Partnership');
        throw new AppError('CONFLICT', `The partnership is already ${partnership.status}`);
      }
      return { status: 200, json: { status: 'removed' as const } };
    },
  });
}
