/**
 * `workflows/subscription-start.ts` as it was before the `subscription-workflows` patch: provisioning
 * started no subscription workflow. Bundled in its place (pre-patch.ts) to record histories of runs
 * that old workers wrote, which today's code must replay through the patch's "not patched" branch.
 */
export async function startSubscriptionWorkflows(): Promise<void> {}
