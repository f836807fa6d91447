import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, logContext } from '../src/logger';
import {
  createTestPartner,
  linkIn,
  mailTo,
  OPERATOR_KEY,
  startTestEngine,
  waitFor,
  type TestEngine,
} from './support/harness';

type Line = Record<string, unknown> & { msg?: string };

const lines: Line[] = [];
const raw: string[] = [];
/** Where pino writes: every JSON line this engine logs, kept for the assertions. */
const destination = {
  write(chunk: string) {
    raw.push(chunk);
    lines.push(JSON.parse(chunk));
  },
};

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ logger: createLogger('debug', destination) });
});
afterAll(async () => {
  await engine?.stop();
});

describe('structured logs', () => {
  it('carry the workflow id and run id on activity log lines, and on workflow log lines through the SDK logger', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const invite = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(invite.status).toBe(202);
    const workflowId = invite.body.workflowId as string;
    const { runId } = await engine.deps.temporal.workflow.getHandle(workflowId).describe();

    const activityLine = await waitFor(
      async () =>
        lines.find(
          (l) =>
            l.activityType === 'sendInvitationLink' && l.workflowId === workflowId && l.msg === 'Activity completed',
        ),
      {
        what: 'an activity log line',
      },
    );
    expect(activityLine).toMatchObject({ workflowId, runId, workflowType: 'invitationWorkflow', level: 20 });
    expect(activityLine).not.toHaveProperty('taskToken');

    const workflowLine = await waitFor(
      async () => lines.find((l) => l.workflowId === workflowId && l.msg === 'Workflow started'),
      { what: 'a workflow log line' },
    );
    expect(workflowLine).toMatchObject({ workflowId, runId, workflowType: 'invitationWorkflow' });
  });

  it('carry the request id of the API request that wrote them', async () => {
    const requestId = `req-${randomUUID()}`;
    const reply = await engine.request('GET', '/v1/partners/me', {
      key: OPERATOR_KEY,
      headers: { 'x-request-id': requestId },
    });
    expect(reply.headers.get('x-request-id')).toBe(requestId);
    const requestLine = await waitFor(async () => lines.find((l) => l.msg === 'request' && l.requestId === requestId));
    expect(requestLine).toMatchObject({ method: 'GET', route: '/v1/partners/me', status: reply.status });
  });

  it('add the request id to any line written while a request is handled', () => {
    const captured: Line[] = [];
    const logger = createLogger('info', { write: (chunk: string) => void captured.push(JSON.parse(chunk)) });
    logContext.run({ requestId: 'req-in-context' }, () => logger.child({ component: 'service' }).info('inside'));
    logger.info('outside');
    expect(captured[0]).toMatchObject({ requestId: 'req-in-context', component: 'service', msg: 'inside' });
    expect(captured[1]).not.toHaveProperty('requestId');
  });

  it('redact secrets by field name', () => {
    const captured: string[] = [];
    const logger = createLogger('info', { write: (chunk: string) => void captured.push(chunk) });
    logger.info(
      {
        apiKey: 'ak-secret-1',
        partner: { apiKey: 'ak-secret-2' },
        token: 'tok-secret',
        credentials: { username: 'u', temporaryPassword: 'pw-secret' },
        req: { headers: { authorization: 'Bearer ak-secret-3' } },
      },
      'x',
    );
    for (const secret of ['ak-secret-1', 'ak-secret-2', 'ak-secret-3', 'tok-secret', 'pw-secret'])
      expect(captured.join('')).not.toContain(secret);
  });

  it('never contain the link token or the API keys of a whole invitation round trip', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    await engine.request('POST', '/v1/invitations', { key: provider.apiKey, body: { resellerEmail: reseller.email } });
    const mail = await waitFor(async () => (await mailTo(engine, reseller.email))[0]);
    const link = linkIn(mail.text, '/invitations');
    expect(
      (await engine.request('POST', `${link.pathname}/accept`, { body: { partnerId: reseller.partnerId } })).status,
    ).toBe(200);
    const everything = raw.join('');
    for (const secret of [link.pathname.split('/').pop()!, provider.apiKey, reseller.apiKey, OPERATOR_KEY])
      expect(everything).not.toContain(secret);
  });
});
