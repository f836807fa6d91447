import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/client';
import { getCustomerById, getCustomerForPartner as getCustomerAccess } from '../src/db/queries/customer-orders';
import { listCustomerEvents } from '../src/db/queries/customer-events';
import { decodeCursor } from '../src/db/queries/pagination';
import { getEventForPartner, listEvents, recordEvent } from '../src/db/queries/events';
import { getAdminUsername, getCustomerForPartner, listCustomers } from '../src/db/queries/customers';
import {
  findPendingInvitation,
  getInvitationByTokenHash,
  getInvitationForProvider,
  listInvitations,
  reserveInvitation,
} from '../src/db/queries/invitations';
import {
  createPartner,
  findResellersByEmail,
  getPartnerByApiKeyHash,
  getPartnerById,
  getPartnerByPublicId,
} from '../src/db/queries/partners';
import { findActivePartnership, getPartnershipForPartner, listPartnerships } from '../src/db/queries/partnerships';
import { preparedQuery } from '../src/db/queries/prepared';
import { listSubscriptions } from '../src/db/queries/subscriptions';
import { testDatabase, uniqueEmail, uniquePartnerId } from './support/harness';

/**
 * The API's reads are prepared: built into SQL once per database handle and shape, then only bound
 * to new values. Building was most of a read's CPU and garbage (110 KB for one customer), and the
 * garbage's collections were the reads' p99. These tests count the builds on the real test database.
 */
let db: Db;
beforeAll(async () => {
  db = (await testDatabase()).db;
});

/** How many times drizzle turned a builder into SQL text while `run` ran. */
async function buildsDuring(run: () => Promise<unknown>): Promise<number> {
  const dialect = (db as unknown as { dialect: { sqlToQuery: (...args: unknown[]) => unknown } }).dialect;
  const original = dialect.sqlToQuery;
  let builds = 0;
  dialect.sqlToQuery = function (this: unknown, ...args: unknown[]) {
    builds += 1;
    return original.apply(this, args);
  };
  try {
    await run();
  } finally {
    dialect.sqlToQuery = original;
  }
  return builds;
}

const times = async (count: number, read: () => Promise<unknown>) => {
  for (let i = 0; i < count; i++) await read();
};

describe('prepared reads', () => {
  it('a read is built once per handle and shape; another shape or a transaction gets its own', async () => {
    let builds = 0;
    const byName = preparedQuery((handle, shape: { named: boolean }) => {
      builds += 1;
      return handle
        .select({ answer: sql<number>`${shape.named ? sql.placeholder('value') : sql`1`}::int` })
        .from(sql`(select 1) as one`)
        .prepare('answer');
    });
    for (let i = 0; i < 3; i++)
      expect(await byName(db, { named: true }).execute({ value: 41 + i })).toEqual([{ answer: 41 + i }]);
    expect(builds).toBe(1);
    expect(await byName(db, { named: false }).execute()).toEqual([{ answer: 1 }]);
    expect(builds).toBe(2);
    await db.transaction(async (tx) => {
      expect(await byName(tx, { named: true }).execute({ value: 7 })).toEqual([{ answer: 7 }]);
    });
    expect(builds).toBe(3);
  });

  // Every read the API makes on a request's hot path, with each of its shapes: after a first call,
  // twenty more build nothing.
  const id = randomUUID();
  const partnerId = randomUUID();
  const cursor = { createdAt: new Date().toISOString(), id };
  const reads: Array<[string, () => Promise<unknown>]> = [
    ['a customer, as its provider', () => getCustomerForPartner(db, { id, scope: { role: 'provider', partnerId } })],
    ['a customer, as its reseller', () => getCustomerForPartner(db, { id, scope: { role: 'reseller', partnerId } })],
    ["a customer's admin username", () => getAdminUsername(db, id)],
    ['a page of customers', () => listCustomers(db, { scope: { role: 'provider', partnerId }, limit: 50 })],
    [
      'a page of customers by reseller, searched by word, after a cursor',
      () =>
        listCustomers(db, {
          scope: { role: 'provider', partnerId },
          resellerId: id,
          q: 'Company 12 ',
          cursor,
          limit: 50,
        }),
    ],
    [
      'a page of customers searched by trigrams',
      () => listCustomers(db, { scope: { role: 'reseller', partnerId }, q: 'ompan', limit: 50 }),
    ],
    ['a customer for an order or its audit', () => getCustomerAccess(db, { customerId: id, partnerId })],
    ['a customer for an operator', () => getCustomerById(db, id)],
    ["a customer's subscriptions", () => listSubscriptions(db, { customerId: id, limit: 50 })],
    [
      'one subscription, by status and order, after another',
      () =>
        listSubscriptions(db, {
          customerId: id,
          status: 'active',
          orderId: id,
          subscriptionId: id,
          after: { createdAt: new Date(), id },
          limit: 1,
        }),
    ],
    ["a customer's audit trail", () => listCustomerEvents(db, { customerId: id, afterId: 5, limit: 50 })],
    [
      'a page of partnerships',
      () => listPartnerships(db, { side: 'reseller', partnerId, status: 'active', cursor, limit: 50 }),
    ],
    ['a partnership', () => getPartnershipForPartner(db, { id, partnerId })],
    ['a partner by key', () => getPartnerByApiKeyHash(db, 'a'.repeat(64))],
    ['a partner by id', () => getPartnerById(db, id)],
    ['a partner by partner id', () => getPartnerByPublicId(db, 'no-such-partner')],
    ['an invitation', () => getInvitationForProvider(db, { id, providerId: partnerId })],
    [
      'a page of invitations',
      () => listInvitations(db, { providerId: partnerId, status: 'pending', cursor, limit: 50 }),
    ],
    ['the invitation behind a link', () => getInvitationByTokenHash(db, 'b'.repeat(64))],
    ["a partner's events", () => listEvents(db, { partnerId, limit: 50 })],
    [
      "a partner's events of a type, after a time and a cursor, by delivery status",
      () =>
        listEvents(db, {
          partnerId,
          type: 'invitation.accepted',
          after: new Date(0),
          deliveryStatus: 'failed',
          cursor,
          limit: 50,
        }),
    ],
    ['an event', () => getEventForPartner(db, { id, partnerId })],
    ['resellers by email', () => findResellersByEmail(db, 'Someone@Example.test')],
    ['an active partnership', () => findActivePartnership(db, { providerId: partnerId, resellerId: id })],
    ['a pending invitation', () => findPendingInvitation(db, { providerId: partnerId, email: 'someone@example.test' })],
  ];
  it.each(reads)('%s: built once, then only bound', async (_, read) => {
    await read();
    expect(await buildsDuring(() => times(20, read))).toBe(0);
  });

  it('an invitation is reserved with one prepared insert, and a second reservation finds the first', async () => {
    const provider = await createPartner(db, {
      kind: 'provider',
      partnerId: uniquePartnerId(),
      name: 'Prepared Provider',
      email: uniqueEmail('prepared'),
      country: 'ES',
      cspEnrolled: false,
      apiKeyHash: randomUUID().replaceAll('-', '').repeat(2),
    });
    const reserve = (resellerEmail: string) =>
      reserveInvitation(db, {
        id: randomUUID(),
        providerId: provider.id,
        resellerEmail,
        expiresAt: new Date(Date.now() + 86_400_000),
        workflowId: `invitation-${randomUUID()}`,
      });
    await reserve(uniqueEmail('first'));
    const emails = Array.from({ length: 20 }, () => uniqueEmail('reserved'));
    expect(await buildsDuring(() => Promise.all(emails.map(reserve)))).toBe(0);
    const again = await reserve(emails[0]!.toUpperCase());
    expect(again.created).toBe(false);
    expect(again.invitation.resellerEmail).toBe(emails[0]);
    expect(again.invitation.message).toBeNull();
  });

  it("a partner's events page by cursor and filter by time and type, as before they were prepared", async () => {
    const recipient = randomUUID();
    const ids: string[] = [];
    for (const type of ['invitation.accepted', 'invitation.declined', 'invitation.accepted'] as const) {
      await db.transaction(async (tx) => {
        const eventId = await recordEvent(tx, {
          type,
          dedupeKey: `prepared-test:${randomUUID()}`,
          recipientIds: [recipient, randomUUID()],
          data: {},
        });
        ids.push(eventId!);
      });
    }
    const newestFirst = [...ids].reverse();
    const first = await listEvents(db, { partnerId: recipient, limit: 2 });
    expect(first.items.map((event) => event.id)).toEqual(newestFirst.slice(0, 2));
    const cursor = decodeCursor(first.nextCursor!)!;
    const second = await listEvents(db, { partnerId: recipient, limit: 2, cursor });
    expect(second.items.map((event) => event.id)).toEqual(newestFirst.slice(2));
    expect(second.nextCursor).toBeNull();
    const accepted = await listEvents(db, { partnerId: recipient, type: 'invitation.accepted', limit: 50 });
    expect(accepted.items.map((event) => event.id)).toEqual([ids[2], ids[0]]);
    const since = (after: Date) => listEvents(db, { partnerId: recipient, after, limit: 50 });
    expect((await since(new Date(Date.now() - 60_000))).items).toHaveLength(3);
    expect((await since(new Date(Date.now() + 60_000))).items).toHaveLength(0);
    expect(await listEvents(db, { partnerId: randomUUID(), limit: 50 })).toEqual({ items: [], nextCursor: null });
    expect((await getEventForPartner(db, { id: ids[1]!, partnerId: recipient }))?.type).toBe('invitation.declined');
    expect(await getEventForPartner(db, { id: ids[1]!, partnerId: randomUUID() })).toBeUndefined();
  });

  it('the count sees a read that is built each time (a plain drizzle select)', async () => {
    expect(await buildsDuring(() => times(3, () => db.execute(sql`select 1`)))).toBe(3);
  });
});
