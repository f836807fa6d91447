import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { resellerRelationshipWorkflow } from '../../workflows/reseller-relationship';
import {
  acceptRelationshipUpdate,
  declineRelationshipUpdate,
  revokeRelationshipUpdate,
} from '../../workflows/reseller-relationship.messages';
import { resellerRelationshipWorkflowId } from '../../workflows/ids';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { DAY, timeSkippingServerPerFile, waitUntil, onWorker } from './support';

type RelationshipActivities = Pick<
  Activities,
  | 'sendResellerRelationshipLink'
  | 'sendResellerRelationshipReminder'
  | 'acceptResellerRelationship'
  | 'closeResellerRelationship'
>;

const TTL = 14 * DAY;
const REMINDER_BEFORE = 2 * DAY;

const server = timeSkippingServerPerFile();

function fakes() {
  const fake: RelationshipActivities = {
    async sendResellerRelationshipLink() {},
    async sendResellerRelationshipReminder() {},
    async acceptResellerRelationship() {},
    async closeResellerRelationship() {},
  };
  return recordCalls(fake);
}

/** Starts a fresh request (14-day link, reminder 2 days before) and waits for its link to go out. */
async function startRequest(taskQueue: string, recorder: ReturnType<typeof fakes>) {
  const relationshipId = randomUUID();
  const handle = await server.env.client.workflow.start(resellerRelationshipWorkflow, {
    taskQueue,
    workflowId: resellerRelationshipWorkflowId(relationshipId),
    args: [
      {
        relationshipId,
        providerId: 'provider-1',
        resellerId: 'reseller-1',
        customerId: 'customer-1',
        customerDomain: 'contoso.onmicrosoft.com',
        expiresAt: new Date((await server.env.currentTimeMs()) + TTL).toISOString(),
        reminderBeforeMs: REMINDER_BEFORE,
      },
    ],
  });
  await waitUntil(() => recorder.names().includes('sendResellerRelationshipLink'));
  return { relationshipId, handle, ...recorder };
}

/** Runs `scenario` against a fresh request on a worker of its own, with in-memory fakes. */
async function withRequest(scenario: (run: Awaited<ReturnType<typeof startRequest>>) => Promise<void>): Promise<void> {
  const recorder = fakes();
  await onWorker(server.env, recorder.activities, async (taskQueue) =>
    scenario(await startRequest(taskQueue, recorder)),
  );
}

describe('reseller-relationship workflow (time-skipping)', () => {
  it('sends the link, a reminder before the deadline, then expires', async () => {
    await withRequest(async ({ relationshipId, handle, calls }) => {
      expect(await handle.result()).toMatchObject({ status: 'expired', remindersSent: 1 });
      expect(calls).toEqual([
        { name: 'sendResellerRelationshipLink', input: { relationshipId } },
        { name: 'sendResellerRelationshipReminder', input: { relationshipId } },
        { name: 'closeResellerRelationship', input: { relationshipId, status: 'expired' } },
      ]);
      await keepHistory(handle, 'reseller-relationship-expired');
    });
  });

  it('accepted before the reminder: the reseller is associated, no reminder and no expiry follow', async () => {
    await withRequest(async ({ relationshipId, handle, calls }) => {
      await server.env.sleep(DAY);
      expect(await handle.executeUpdate(acceptRelationshipUpdate)).toEqual({ status: 'accepted' });
      expect(await handle.result()).toMatchObject({ status: 'accepted', remindersSent: 0 });
      expect(calls).toEqual([
        { name: 'sendResellerRelationshipLink', input: { relationshipId } },
        { name: 'acceptResellerRelationship', input: { relationshipId } },
      ]);
      await keepHistory(handle, 'reseller-relationship-accepted');
    });
  });

  it('declined after the reminder: closed as declined with the reason, no expiry follows', async () => {
    await withRequest(async ({ relationshipId, handle, names, inputsOf }) => {
      await server.env.sleep(13 * DAY);
      await waitUntil(() => names().includes('sendResellerRelationshipReminder'));
      expect(
        await handle.executeUpdate(declineRelationshipUpdate, { args: [{ reason: 'we have a reseller' }] }),
      ).toEqual({ status: 'declined' });
      expect((await handle.result()).status).toBe('declined');
      expect(names()).toEqual([
        'sendResellerRelationshipLink',
        'sendResellerRelationshipReminder',
        'closeResellerRelationship',
      ]);
      expect(inputsOf('closeResellerRelationship')).toEqual([
        { relationshipId, status: 'declined', reason: 'we have a reseller' },
      ]);
      await keepHistory(handle, 'reseller-relationship-declined');
    });
  });

  it('revoked by the provider: closed as revoked, no reminder', async () => {
    await withRequest(async ({ relationshipId, handle, calls }) => {
      expect(await handle.executeUpdate(revokeRelationshipUpdate)).toEqual({ status: 'revoked' });
      expect((await handle.result()).status).toBe('revoked');
      expect(calls.slice(1)).toEqual([
        { name: 'closeResellerRelationship', input: { relationshipId, status: 'revoked' } },
      ]);
      await keepHistory(handle, 'reseller-relationship-revoked');
    });
  });
});
