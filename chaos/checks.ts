import type { Client } from '@temporalio/client';
import postgres from 'postgres';
import type { InvitationView, OnboardingView, OrderView } from './workload';

export type Views = { invitations: InvitationView[]; onboardings: OnboardingView[]; orders: OrderView[] };

/**
 * Exactly-once in the database and convergence from every client's point of view. Returns the
 * failures, each a sentence; empty means the run passed.
 */
export async function check(
  databaseUrl: string,
  temporal: Client,
  providerId: string,
  views: Views,
): Promise<string[]> {
  const failures: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  // The clients' view: every one holds its answer.
  for (const view of [...views.invitations, ...views.onboardings, ...views.orders])
    if (view.error) failures.push(`a client did not converge: ${view.error}`);
  expect(
    views.invitations.every((view) => view.partnershipId),
    'an invitation client holds no partnership',
  );
  expect(
    views.onboardings.every((view) => view.passwords.size === 1),
    'an onboarding client holds no password, or two different ones',
  );

  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  try {
    const count = async (query: Promise<Array<{ n: number }>>) => Number((await query)[0]!.n);
    const invitations = views.invitations.length;
    expect(
      (await count(sql`select count(*)::int as n from invitations where provider_id = ${providerId}`)) === invitations,
      'invitations: not one row per client',
    );
    expect(
      (await count(
        sql`select count(*)::int as n from invitations where provider_id = ${providerId} and status = 'accepted'`,
      )) === invitations,
      'invitations: not all accepted',
    );
    expect(
      (await count(sql`select count(*)::int as n from partnerships where provider_id = ${providerId}`)) === invitations,
      'partnerships: not one per accepted invitation',
    );
    expect(
      (await count(
        sql`select count(distinct reseller_id)::int as n from partnerships where provider_id = ${providerId}`,
      )) === invitations,
      'partnerships: a reseller twice',
    );
    const heldPartnerships = new Set(views.invitations.map((view) => view.partnershipId));
    expect(heldPartnerships.size === invitations, 'partnerships: two clients hold the same one');

    const onboardings = views.onboardings.length;
    expect(
      (await count(sql`select count(*)::int as n from customer_onboardings where provider_id = ${providerId}`)) ===
        onboardings,
      'onboardings: not one row per client',
    );
    expect(
      (await count(
        sql`select count(*)::int as n from customer_onboardings where provider_id = ${providerId} and status = 'completed'`,
      )) === onboardings,
      'onboardings: not all completed',
    );
    expect(
      (await count(sql`select count(*)::int as n from customers where provider_id = ${providerId}`)) === onboardings,
      'customers: not one per completed onboarding',
    );
    expect(
      (await count(
        sql`select count(*)::int as n from credential_reveals r join customer_onboardings o on o.id = r.onboarding_id where o.provider_id = ${providerId}`,
      )) === onboardings,
      'credentials: not revealed exactly once per onboarding',
    );
    const passwords = new Set(views.onboardings.flatMap((view) => [...view.passwords]));
    expect(passwords.size === onboardings, 'credentials: two clients hold the same password');

    const orderIds = views.orders.map((view) => view.orderId).filter((id): id is string => Boolean(id));
    expect(
      new Set(orderIds).size === views.orders.length,
      'orders: a client holds no order, or two clients the same one',
    );
    expect(
      (await count(sql`select count(*)::int as n from orders where provider_id = ${providerId}`)) ===
        onboardings + views.orders.length,
      'orders: not one per onboarding plus one per key',
    );
    if (orderIds.length > 0) {
      expect(
        (await count(
          sql`select count(*)::int as n from orders where id = any(${orderIds}) and status = 'completed'`,
        )) === orderIds.length,
        'orders: not all completed',
      );
      const lines = views.orders.reduce((sum, view) => sum + (view.lines ?? 0), 0);
      expect(
        (await count(sql`select count(*)::int as n from subscriptions where order_id = any(${orderIds})`)) === lines,
        'subscriptions: not one per order line',
      );
    }
  } finally {
    await sql.end();
  }

  for (const status of ['Failed', 'TimedOut', 'Terminated']) {
    const { count: closed } = await temporal.workflow.count(`ExecutionStatus="${status}"`);
    expect(closed === 0, `Temporal: ${closed} workflow runs ${status}`);
  }
  return failures;
}
