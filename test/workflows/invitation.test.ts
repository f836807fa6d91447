import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { invitationWorkflow } from '../../workflows/invitation';
import {
  acceptUpdate,
  declineUpdate,
  resendUpdate,
  revokeUpdate,
  type AcceptingReseller,
} from '../../workflows/invitation.messages';
import { invitationWorkflowId } from '../../workflows/ids';
import { ProcessStatus, ProviderId } from '../../workflows/search-attributes';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { DAY, refusalCode, timeSkippingServerPerFile, waitUntil, onWorker } from './support';

type InvitationActivities = Pick<
  Activities,
  'sendInvitationLink' | 'resendInvitationLink' | 'sendInvitationReminder' | 'acceptInvitation' | 'closeInvitation'
>;

const TTL = 30 * DAY;
const REMINDER_BEFORE = 3 * DAY;

const server = timeSkippingServerPerFile();

/** The invitation activities as in-memory fakes: acceptance creates a partnership id. */
function fakes() {
  const fake: InvitationActivities = {
    async sendInvitationLink() {},
    async resendInvitationLink() {},
    async sendInvitationReminder() {},
    async acceptInvitation() {
      return { partnershipId: 'partnership-1' };
    },
    async closeInvitation() {},
  };
  return recordCalls(fake);
}

const reseller: AcceptingReseller = {
  resellerId: 'reseller-1',
  name: 'Fabrikam IT Services',
  partnerId: '2000001',
  email: 'Sales@Fabrikam-IT.example',
  country: 'ES',
  cspEnrolled: true,
};

/** Starts a fresh invitation (30-day link, reminder 3 days before) and waits for its link to go out. */
async function startInvitation(taskQueue: string, recorder: ReturnType<typeof fakes>) {
  const invitationId = randomUUID();
  const expiresAt = new Date((await server.env.currentTimeMs()) + TTL).toISOString();
  const handle = await server.env.client.workflow.start(invitationWorkflow, {
    taskQueue,
    workflowId: invitationWorkflowId(invitationId),
    args: [
      {
        invitationId,
        providerId: 'provider-1',
        providerName: 'Contoso',
        providerCountry: 'ES',
        resellerEmail: 'sales@fabrikam-it.example',
        expiresAt,
        ttlMs: TTL,
        reminderBeforeMs: REMINDER_BEFORE,
      },
    ],
    // As the API starts it: the run keeps them current from there (it does not set them again).
    typedSearchAttributes: [
      { key: ProviderId, value: 'provider-1' },
      { key: ProcessStatus, value: 'pending' },
    ],
  });
  await waitUntil(() => recorder.names().includes('sendInvitationLink'));
  return { invitationId, expiresAt, handle, ...recorder };
}

/** The search attributes each upsert of the run's history set, in order (keys sorted). */
async function upsertedKeys(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .map((event) => event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields)
    .filter((fields) => fields != null)
    .map((fields) => Object.keys(fields).sort());
}

/** Runs `scenario` against a fresh invitation on a worker of its own. */
async function withInvitation(
  scenario: (run: Awaited<ReturnType<typeof startInvitation>>) => Promise<void>,
): Promise<void> {
  const recorder = fakes();
  await onWorker(server.env, recorder.activities, async (taskQueue) =>
    scenario(await startInvitation(taskQueue, recorder)),
  );
}

describe('invitation workflow (time-skipping)', () => {
  it('sends the link, a reminder 3 days before the deadline, then expires after 30 days', async () => {
    await withInvitation(async ({ invitationId, expiresAt, handle, calls }) => {
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'expired', linksSent: 1, remindersSent: 1 });
      expect(calls).toEqual([
        { name: 'sendInvitationLink', input: { invitationId } },
        { name: 'sendInvitationReminder', input: { invitationId, expiresAt } },
        { name: 'closeInvitation', input: { invitationId, status: 'expired' } },
      ]);
      await keepHistory(handle, 'invitation-expired');
    });
  });

  it('accepted before the reminder: the partnership is created, no reminder and no expiry follow', async () => {
    await withInvitation(async ({ invitationId, handle, names, inputsOf }) => {
      await server.env.sleep(2 * DAY);
      const accepted = await handle.executeUpdate(acceptUpdate, { args: [reseller] });
      expect(accepted).toEqual({ status: 'accepted', partnershipId: 'partnership-1' });
      expect(await handle.result()).toMatchObject({
        status: 'accepted',
        resellerId: 'reseller-1',
        partnershipId: 'partnership-1',
        remindersSent: 0,
      });
      expect(names()).toEqual(['sendInvitationLink', 'acceptInvitation']);
      expect(inputsOf('acceptInvitation')).toEqual([
        {
          invitationId,
          providerId: 'provider-1',
          resellerId: 'reseller-1',
          reseller: { name: 'Fabrikam IT Services', partnerId: '2000001' },
        },
      ]);
      // Each upsert is a visibility write on the server: the run sets nothing its start already set,
      // and the accept sets the reseller with the status in one.
      expect(await upsertedKeys(handle)).toEqual([['TemporalChangeVersion'], ['ProcessStatus', 'ResellerId']]);
      await keepHistory(handle, 'invitation-accepted');
    });
  });

  it('refuses an acceptance from another address or country, then the invitation still expires', async () => {
    await withInvitation(async ({ handle, names }) => {
      expect(
        await refusalCode(
          handle.executeUpdate(acceptUpdate, { args: [{ ...reseller, email: 'other@fabrikam-it.example' }] }),
        ),
      ).toBe('RESELLER_EMAIL_MISMATCH');
      expect(await refusalCode(handle.executeUpdate(acceptUpdate, { args: [{ ...reseller, country: 'FR' }] }))).toBe(
        'RESELLER_NOT_ELIGIBLE',
      );
      expect(
        await refusalCode(handle.executeUpdate(acceptUpdate, { args: [{ ...reseller, cspEnrolled: false }] })),
      ).toBe('RESELLER_NOT_ELIGIBLE');
      expect((await handle.result()).status).toBe('expired');
      expect(names()).toEqual(['sendInvitationLink', 'sendInvitationReminder', 'closeInvitation']);
    });
  });

  it('declined after the reminder: closed as declined with the reason', async () => {
    await withInvitation(async ({ invitationId, handle, names, inputsOf }) => {
      await server.env.sleep(28 * DAY);
      await waitUntil(() => names().includes('sendInvitationReminder'));
      expect(await handle.executeUpdate(declineUpdate, { args: [{ reason: 'not now' }] })).toEqual({
        status: 'declined',
      });
      expect((await handle.result()).status).toBe('declined');
      expect(names()).toEqual(['sendInvitationLink', 'sendInvitationReminder', 'closeInvitation']);
      expect(inputsOf('closeInvitation')).toEqual([{ invitationId, status: 'declined', reason: 'not now' }]);
      await keepHistory(handle, 'invitation-declined');
    });
  });

  it('resend after the reminder moves the deadline 30 days on: a second reminder before the new deadline, then expiry', async () => {
    await withInvitation(async ({ invitationId, expiresAt, handle, calls, names }) => {
      await server.env.sleep(28 * DAY);
      await waitUntil(() => names().includes('sendInvitationReminder'));
      const { expiresAt: renewed } = await handle.executeUpdate(resendUpdate);
      expect(Date.parse(renewed) - Date.parse(expiresAt)).toBeGreaterThanOrEqual(28 * DAY);
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'expired', linksSent: 2, remindersSent: 2, expiresAt: renewed });
      expect(calls).toEqual([
        { name: 'sendInvitationLink', input: { invitationId } },
        { name: 'sendInvitationReminder', input: { invitationId, expiresAt } },
        { name: 'resendInvitationLink', input: { invitationId, expiresAt: renewed, sendNumber: 2 } },
        { name: 'sendInvitationReminder', input: { invitationId, expiresAt: renewed } },
        { name: 'closeInvitation', input: { invitationId, status: 'expired' } },
      ]);
      await keepHistory(handle, 'invitation-resent-then-expired');
    });
  });

  it('revoked by the provider: closed as revoked, nothing more is sent', async () => {
    await withInvitation(async ({ invitationId, handle, names, inputsOf }) => {
      expect(await handle.executeUpdate(revokeUpdate)).toEqual({ status: 'revoked' });
      expect((await handle.result()).status).toBe('revoked');
      expect(names()).toEqual(['sendInvitationLink', 'closeInvitation']);
      expect(inputsOf('closeInvitation')).toEqual([{ invitationId, status: 'revoked' }]);
      await keepHistory(handle, 'invitation-revoked');
    });
  });
});
