import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The baseline for the invitation benchmark: the same shape of work on bare Temporal — an activity
 * that "sends the link", a wait for an accept Update, an activity that "creates the partnership" —
 * with no database, no encryption and no HTTP in front.
 */
type BareActivities = { sendLink(id: string): Promise<void>; createPartnership(id: string): Promise<string> };

const activities = proxyActivities<BareActivities>({ startToCloseTimeout: '30s' });

export const bareAcceptUpdate = defineUpdate<string, [string]>('accept');

export async function bareInvitationWorkflow(id: string): Promise<string> {
  let partnershipId: string | undefined;
  setHandler(bareAcceptUpdate, async () => {
    partnershipId = await activities.createPartnership(id);
    return partnershipId;
  });
  await activities.sendLink(id);
  await condition(() => partnershipId !== undefined);
  return partnershipId!;
}
