import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isDependencyOutage } from '../src/services/dependency-outage';

/** What the chaos run met: Temporal answers that mean "not now", which must be 503s, never 500s. */
const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('transient Temporal refusals are dependency outages (503 + Retry-After)', () => {
  it('an Update call cut off by the request deadline (CANCELLED)', () => {
    expect(
      isDependencyOutage(
        new WorkflowUpdateRPCTimeoutOrCancelledError('Call cancelled', { cause: grpcError(1, 'Call cancelled') }),
      ),
    ).toBe(true);
  });

  it('an Update refused while the run retries a workflow task its dead worker left behind', () => {
    const refusal = grpcError(9, 'Unable to perform workflow execution update due to Workflow Task in failed state.');
    expect(isDependencyOutage(new ServiceError('Workflow Update failed', { cause: refusal }))).toBe(true);
  });

  it('but not any other failed precondition', () => {
    expect(
      isDependencyOutage(new ServiceError('Workflow Update failed', { cause: grpcError(9, 'something else') })),
    ).toBe(false);
  });
});
