import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { invitations, partners, type InvitationStatus } from '../schema';
import { afterCursorPlaceholders, cursorValues, newestFirst, page, type Cursor } from './pagination';
import { preparedQuery } from './prepared';

/** What a provider sees of an invitation: never the token, its hash or its escrow. */
export const invitationColumns = {
  id: invitations.id,
  providerId: invitations.providerId,
  resellerEmail: invitations.resellerEmail,
  message: invitations.message,
  status: invitations.status,
  expiresAt: invitations.expiresAt,
  linkSentCount: invitations.linkSentCount,
  reminderSentAt: invitations.reminderSentAt,
  resellerId: invitations.resellerId,
  partnershipId: invitations.partnershipId,
  declineReason: invitations.declineReason,
  workflowId: invitations.workflowId,
  createdAt: invitations.createdAt,
  updatedAt: invitations.updatedAt,
};
export type Invitation = { [K in keyof typeof invitationColumns]: (typeof invitations.$inferSelect)[K] };

export type CreateInvitationParams = {
  id: string;
  providerId: string;
  resellerEmail: string;
  message?: string;
  expiresAt: Date;
  workflowId: string;
};

const insertInvitation = preparedQuery((db) =>
  db
    .insert(invitations)
    .values({
      id: sql.placeholder('id'),
      providerId: sql.placeholder('providerId'),
      resellerEmail: sql.placeholder('resellerEmail'),
      message: sql.placeholder('message'),
      expiresAt: sql.placeholder('expiresAt'),
      workflowId: sql.placeholder('workflowId'),
    })
    .onConflictDoNothing()
    .returning(invitationColumns)
    .prepare('insert_invitation'),
);

const invitationById = preparedQuery((db) =>
  db
    .select(invitationColumns)
    .from(invitations)
    .where(eq(invitations.id, sql.placeholder('id')))
    .prepare('invitation_by_id'),
);

/**
 * Reserves the one pending invitation per provider and address. Returns `created: false` with the
 * pending invitation when one exists already (the partial unique index settles concurrent calls).
 */
export async function reserveInvitation(
  db: DbOrTx,
  params: CreateInvitationParams,
): Promise<{ created: boolean; invitation: Invitation }> {
  const [created] = await insertInvitation(db).execute({ ...params, message: params.message ?? null });
  if (created) return { created: true, invitation: created };
  // The same id: an earlier attempt of this request (ids derived from an Idempotency-Key) reserved it.
  const [same] = await invitationById(db).execute({ id: params.id });
  if (same) return { created: false, invitation: same };
  const pending = await findPendingInvitation(db, { providerId: params.providerId, email: params.resellerEmail });
  if (pending) return { created: false, invitation: pending };
  // The conflicting invitation closed in between; try once more.
  return reserveInvitation(db, params);
}

const pendingInvitation = preparedQuery((db) =>
  db
    .select(invitationColumns)
    .from(invitations)
    .where(
      and(
        eq(invitations.providerId, sql.placeholder('providerId')),
        sql`lower(${invitations.resellerEmail}) = ${sql.placeholder('email')}`,
        eq(invitations.status, 'pending'),
      ),
    )
    .prepare('pending_invitation'),
);

export async function findPendingInvitation(db: DbOrTx, params: { providerId: string; email: string }) {
  const [row] = await pendingInvitation(db).execute({
    providerId: params.providerId,
    email: params.email.toLowerCase(),
  });
  return row;
}

export async function deleteInvitation(db: DbOrTx, id: string): Promise<void> {
  await db.delete(invitations).where(eq(invitations.id, id));
}

const invitationForProvider = preparedQuery((db) =>
  db
    .select(invitationColumns)
    .from(invitations)
    .where(and(eq(invitations.id, sql.placeholder('id')), eq(invitations.providerId, sql.placeholder('providerId'))))
    .prepare('invitation_for_provider'),
);

export async function getInvitationForProvider(db: DbOrTx, params: { id: string; providerId: string }) {
  const [row] = await invitationForProvider(db).execute(params);
  return row;
}

export type ListInvitationsParams = { providerId: string; status?: InvitationStatus; limit: number; cursor?: Cursor };

const invitationsPage = preparedQuery((db, shape: { status: boolean; after: boolean }) =>
  db
    .select(invitationColumns)
    .from(invitations)
    .where(
      and(
        eq(invitations.providerId, sql.placeholder('providerId')),
        shape.status ? eq(invitations.status, sql.placeholder('status')) : undefined,
        shape.after ? afterCursorPlaceholders(invitations.createdAt, invitations.id) : undefined,
      ),
    )
    .orderBy(...newestFirst(invitations.createdAt, invitations.id))
    .limit(sql.placeholder('limit'))
    .prepare('invitations_page'),
);

export async function listInvitations(db: DbOrTx, params: ListInvitationsParams) {
  const rows = await invitationsPage(db, {
    status: params.status !== undefined,
    after: params.cursor !== undefined,
  }).execute({
    providerId: params.providerId,
    status: params.status,
    ...cursorValues(params.cursor),
    limit: params.limit + 1,
  });
  return page(rows, params.limit);
}

const invitationByTokenHash = preparedQuery((db) =>
  db
    .select({
      ...invitationColumns,
      provider: { id: partners.id, name: partners.name, partnerId: partners.partnerId, country: partners.country },
    })
    .from(invitations)
    .innerJoin(partners, eq(partners.id, invitations.providerId))
    .where(eq(invitations.tokenHash, sql.placeholder('tokenHash')))
    .prepare('invitation_by_token_hash'),
);

/** The invitation behind a link, with who sent it, for the public page. */
export async function getInvitationByTokenHash(db: DbOrTx, tokenHash: string) {
  const [row] = await invitationByTokenHash(db).execute({ tokenHash });
  return row;
}
