import type { Mailbox } from './mailbox';
import type { RetryingClient } from './client';

/** What each client ends up holding: its view of the outcome, checked against the database later. */
export type InvitationView = { email: string; invitationId?: string; partnershipId?: string; error?: string };
export type OnboardingView = {
  domainPrefix: string;
  onboardingId?: string;
  customerId?: string;
  passwords: Set<string>;
  error?: string;
};
export type OrderView = { orderId?: string; status?: string; lines?: number; error?: string };

export type Party = { apiKey: string; id: string };
export type Reseller = { email: string; partnerId: string };

/** Long enough for any process to finish through the faults; past it a client reports failure. */
const PROCESS_TIMEOUT_MS = 10 * 60_000;

/** Invite → the emailed link → accept, with one Idempotency-Key per request. */
export async function invitationProcess(
  client: RetryingClient,
  mailbox: Mailbox,
  provider: Party,
  reseller: Reseller,
  key: string,
): Promise<InvitationView> {
  const view: InvitationView = { email: reseller.email };
  try {
    const invited = await client.call('POST', '/v1/invitations', {
      apiKey: provider.apiKey,
      body: { resellerEmail: reseller.email },
      idempotencyKey: `${key}-invite`,
    });
    if (invited.status !== 202 && invited.status !== 200)
      throw new Error(`invite answered ${invited.status} ${JSON.stringify(invited.body)}`);
    view.invitationId = invited.body.id;
    const link = new URL(await mailbox.linkFor(reseller.email, PROCESS_TIMEOUT_MS));
    const accepted = await client.call('POST', `${link.pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
      idempotencyKey: `${key}-accept`,
    });
    if (accepted.status !== 200) throw new Error(`accept answered ${accepted.status} ${JSON.stringify(accepted.body)}`);
    view.partnershipId = accepted.body.partnership?.id;
  } catch (error) {
    view.error = (error as Error).message;
  }
  return view;
}

function onboardingRequest(domainPrefix: string) {
  return {
    company: {
      name: `Chaos ${domainPrefix}`,
      domainPrefix,
      country: 'ES',
      address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013' },
    },
    contact: { firstName: 'Ana', lastName: 'García', email: `it@${domainPrefix}.example` },
    items: [
      { offerId: 'm365-business-premium', quantity: 3 },
      { offerId: 'exchange-online-p1', quantity: 2 },
    ],
  };
}

/** Create → review → submit → (credentials if submit answered 202), each with its own key. */
export async function onboardingProcess(
  client: RetryingClient,
  provider: Party,
  domainPrefix: string,
  key: string,
): Promise<OnboardingView> {
  const view: OnboardingView = { domainPrefix, passwords: new Set() };
  try {
    const created = await client.call('POST', '/v1/customer-onboardings', {
      apiKey: provider.apiKey,
      body: onboardingRequest(domainPrefix),
      idempotencyKey: `${key}-create`,
    });
    if (created.status !== 202) throw new Error(`create answered ${created.status} ${JSON.stringify(created.body)}`);
    const id: string = created.body.id;
    view.onboardingId = id;
    const path = `/v1/customer-onboardings/${id}`;
    await client.until(path, provider.apiKey, (answer) => answer.body?.status !== 'validating', PROCESS_TIMEOUT_MS);
    const submitted = await client.call('POST', `${path}/submit`, {
      apiKey: provider.apiKey,
      idempotencyKey: `${key}-submit`,
    });
    if (submitted.status === 200) view.passwords.add(submitted.body.credentials.temporaryPassword);
    else if (submitted.status === 202) {
      await client.until(
        path,
        provider.apiKey,
        (answer) => answer.body?.status === 'completed' || answer.body?.status === 'failed',
        PROCESS_TIMEOUT_MS,
      );
      const revealed = await client.call('POST', `${path}/credentials`, {
        apiKey: provider.apiKey,
        idempotencyKey: `${key}-credentials`,
      });
      if (revealed.status !== 200)
        throw new Error(`credentials answered ${revealed.status} ${JSON.stringify(revealed.body)}`);
      view.passwords.add(revealed.body.credentials.temporaryPassword);
    } else throw new Error(`submit answered ${submitted.status} ${JSON.stringify(submitted.body)}`);
    view.customerId = (await client.call('GET', path, { apiKey: provider.apiKey })).body.customerId;
  } catch (error) {
    view.error = (error as Error).message;
  }
  return view;
}

/** An order of two lines for an existing customer, then polled until it is settled. */
export async function orderProcess(
  client: RetryingClient,
  provider: Party,
  customerId: string,
  key: string,
): Promise<OrderView> {
  const view: OrderView = {};
  try {
    const body = {
      items: [
        { offerId: 'm365-e3', quantity: 2 },
        { offerId: 'entra-id-p1', quantity: 4 },
      ],
    };
    const placed = await client.call('POST', `/v1/customers/${customerId}/orders`, {
      apiKey: provider.apiKey,
      body,
      idempotencyKey: `${key}-order`,
    });
    if (placed.status !== 202) throw new Error(`order answered ${placed.status} ${JSON.stringify(placed.body)}`);
    view.orderId = placed.body.id;
    view.lines = body.items.length;
    const settled = await client.until(
      `/v1/orders/${placed.body.id}`,
      provider.apiKey,
      (answer) => answer.body?.status !== 'pending',
      PROCESS_TIMEOUT_MS,
    );
    view.status = settled.body.status;
    if (view.status !== 'completed') throw new Error(`order ended ${view.status}: ${settled.body.failureReason}`);
  } catch (error) {
    view.error = (error as Error).message;
  }
  return view;
}
