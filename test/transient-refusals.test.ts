import { ServiceError, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { DrizzleQueryError } from 'drizzle-orm';
import express from 'express';
import { describe, expect, it, vi } from 'vitest';
import { errorMiddleware } from '../src/api/errors';
import { createLogger } from '../src/logger';
import { isDatabaseConnectionLost, isDependencyOutage, isOutcomeUnknown } from '../src/services/dependency-outage';
import type { ServiceDeps } from '../src/services/deps';
import { startOnce } from '../src/services/start-once';
import { requester } from './support/harness';
import { serveOnLoopback } from './support/serve';

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

  it('a call the server refuses for now (RESOURCE_EXHAUSTED: a rate limit), which did nothing', () => {
    const refusal = new ServiceError('Failed to start Workflow', {
      cause: grpcError(8, 'namespace rate limit exceeded'),
    });
    expect(isDependencyOutage(refusal)).toBe(true);
    expect(isOutcomeUnknown(refusal)).toBe(false);
  });

  it('but not any other failed precondition', () => {
    expect(
      isDependencyOutage(new ServiceError('Workflow Update failed', { cause: grpcError(9, 'something else') })),
    ).toBe(false);
  });
});

describe('a lost connection to Postgres is a dependency outage (503 + Retry-After), a failed statement is not', () => {
  /** A query as Drizzle reports it: its own error, the driver's underneath. */
  const failedQuery = (cause: Error) =>
    new DrizzleQueryError('select 1 from partners where partner_id = $1', ['1'], cause);
  const socketError = (code: string, syscall: string) =>
    Object.assign(new Error(`${syscall} ${code}`), { code, errno: -32, syscall });
  const postgresError = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), { code, severity: 'FATAL' });

  it('a write on a connection Postgres has just closed (EPIPE: a CI run answered it 500)', () => {
    expect(isDependencyOutage(failedQuery(socketError('EPIPE', 'write')))).toBe(true);
  });

  it("the socket's other failures and postgres.js's own codes", () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN', 'ENOTFOUND'])
      expect(isDependencyOutage(failedQuery(socketError(code, 'connect'))), code).toBe(true);
    for (const code of ['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'])
      expect(isDependencyOutage(failedQuery(Object.assign(new Error(code), { code }))), code).toBe(true);
  });

  it('Postgres shutting down, starting up, out of connections, or refusing the connection', () => {
    for (const code of ['57P01', '57P02', '57P03', '57P05', '53300', '08006', '08001', '08P01'])
      expect(isDependencyOutage(failedQuery(postgresError(code))), code).toBe(true);
  });

  it("a connection lost under the request leaves a write's outcome unknown; one never made does not", () => {
    for (const code of ['EPIPE', 'ECONNRESET', 'CONNECTION_CLOSED', '57P01', '08006'])
      expect(isDatabaseConnectionLost(failedQuery(Object.assign(new Error(code), { code }))), code).toBe(true);
    for (const code of ['ECONNREFUSED', 'CONNECT_TIMEOUT', 'EAI_AGAIN', '57P03', '53300', '08001'])
      expect(isDatabaseConnectionLost(failedQuery(Object.assign(new Error(code), { code }))), code).toBe(false);
  });

  it('the 503 says "nothing was changed" only when that is known', async () => {
    const app = express();
    const failWith = (code: string) => () => {
      throw failedQuery(Object.assign(new Error(code), { code }));
    };
    app.post('/lost', failWith('EPIPE'));
    app.get('/lost', failWith('EPIPE'));
    app.post('/refused', failWith('ECONNREFUSED'));
    app.use(errorMiddleware(createLogger('silent')));
    const server = await serveOnLoopback(app);
    const request = requester(server.url);
    const answer = async (method: string, path: string) => {
      const reply = await request<{ error: { code: string; message: string } }>(method, path);
      return { status: reply.status, retryAfter: reply.headers.get('retry-after'), body: reply.body };
    };
    try {
      const lostWrite = await answer('POST', '/lost');
      expect(lostWrite).toMatchObject({ status: 503, retryAfter: '5', body: { error: { code: 'UNAVAILABLE' } } });
      expect(lostWrite.body.error.message).toMatch(/may have taken effect.*same Idempotency-Key/);
      expect((await answer('GET', '/lost')).body.error.message).toMatch(/nothing was changed/);
      expect((await answer('POST', '/refused')).body.error.message).toMatch(/nothing was changed/);
    } finally {
      await server.close();
    }
  });

  it('but not a statement Postgres refused', () => {
    for (const code of ['42P01', '42703', '57014', '0A000'])
      expect(isDependencyOutage(failedQuery(postgresError(code))), code).toBe(false);
  });
});

describe('an outage that leaves the outcome unknown', () => {
  const cutOff = (code: number) => new ServiceError('Failed to start Workflow', { cause: grpcError(code, 'cut off') });

  it('is a call cut off by a deadline, which may have reached the server', () => {
    expect(isOutcomeUnknown(cutOff(4))).toBe(true);
    expect(isOutcomeUnknown(cutOff(1))).toBe(true);
    expect(
      isOutcomeUnknown(new WorkflowUpdateRPCTimeoutOrCancelledError('Call cancelled', { cause: grpcError(1, 'x') })),
    ).toBe(true);
    // Unreachable: the call never left.
    expect(isOutcomeUnknown(cutOff(14))).toBe(false);
  });

  /** startOnce over a client whose start fails as given and whose describe answers as given. */
  async function start(failure: Error, describe: () => Promise<unknown>) {
    const undo = vi.fn(async () => {});
    const deps = {
      config: { temporal: { taskQueue: 'q' } },
      logger: createLogger('silent'),
      temporal: {
        withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
        workflow: {
          start: async () => {
            throw failure;
          },
          getHandle: () => ({ describe }),
        },
      },
    } as unknown as ServiceDeps;
    const outcome = await startOnce(deps, async () => {}, { workflowId: 'wf-1', args: [] }, undo, 'nothing was created')
      .then(() => 'started')
      .catch((error: Error) => error.message);
    return { outcome, undone: undo.mock.calls.length > 0 };
  }

  it('does not undo a reservation whose start, cut off, was made after all', async () => {
    expect(await start(cutOff(4), async () => ({ status: 'RUNNING' }))).toEqual({ outcome: 'started', undone: false });
  });

  it('undoes it when the server says the run does not exist, or cannot say', async () => {
    const notFound = async () => {
      throw new WorkflowNotFoundError('not found', 'wf-1', undefined);
    };
    expect(await start(cutOff(4), notFound)).toEqual({
      outcome: expect.stringMatching(/nothing was created/),
      undone: true,
    });
    expect(await start(cutOff(1), async () => Promise.reject(cutOff(14)))).toMatchObject({ undone: true });
  });

  it('undoes it at once when the server was not reached', async () => {
    const describe = vi.fn(async () => ({}));
    expect(await start(cutOff(14), describe)).toMatchObject({ undone: true });
    expect(describe).not.toHaveBeenCalled();
  });
});
