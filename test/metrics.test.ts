import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../activities';
import { connectWorkerConnection } from '../src/temporal/connection';
import { createDataConverter } from '../src/temporal/data-converter';
import { createWorker } from '../src/temporal/worker';
import { createTestPartner, mailTo, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { freePort } from './support/ports';

let engine: TestEngine;
let workerMetricsAddress: string;
beforeAll(async () => {
  workerMetricsAddress = `127.0.0.1:${await freePort()}`;
  // The first engine of this test process installs the Temporal runtime, so it owns the metrics address.
  engine = await startTestEngine({ env: { WORKER_METRICS_ADDRESS: workerMetricsAddress } });
});
afterAll(async () => {
  await engine?.stop();
});

/** The value of one sample of a metric in Prometheus text, 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const seen = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => seen[key] === value)) return Number(match[3]);
  }
  return 0;
}

async function scrape(): Promise<string> {
  const reply = await engine.request('GET', '/metrics');
  expect(reply.status).toBe(200);
  return reply.text;
}

describe('GET /metrics', () => {
  it('serves Prometheus text with the HTTP, workflow and activity metrics declared', async () => {
    const reply = await engine.request('GET', '/metrics');
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'workflow_starts_total',
      'workflow_outcomes_total',
      'activity_failures_total',
      'process_cpu_seconds_total',
    ]) {
      expect(reply.text).toContain(`# TYPE ${name}`);
    }
  });

  it('counts requests and their latency by method, route template and status', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i += 1) expect((await engine.request('GET', '/healthz')).status).toBe(200);
    const missing = await engine.request('GET', '/v1/invitations/00000000-0000-4000-8000-000000000000', {
      key: 'not-a-real-key-000',
    });
    expect(missing.status).toBe(401);
    const after = await scrape();

    const healthz = { method: 'GET', route: '/healthz', status: '200' };
    expect(sample(after, 'http_requests_total', healthz) - sample(before, 'http_requests_total', healthz)).toBe(3);
    expect(
      sample(after, 'http_request_duration_seconds_count', healthz) -
        sample(before, 'http_request_duration_seconds_count', healthz),
    ).toBe(3);
    // The route template, never the raw path: ids do not explode the series count.
    const byTemplate = { method: 'GET', route: '/v1/invitations/:id', status: '401' };
    expect(sample(after, 'http_requests_total', byTemplate) - sample(before, 'http_requests_total', byTemplate)).toBe(
      1,
    );
    expect(after).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  it('counts workflow starts and outcomes by workflow type', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const before = await scrape();

    const invite = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(invite.status).toBe(202);
    await waitFor(async () => (await mailTo(engine, reseller.email)).length > 0);
    const revoked = await engine.request('POST', `/v1/invitations/${invite.body.id}/revoke`, { key: provider.apiKey });
    expect(revoked.status).toBe(200);
    await engine.deps.temporal.workflow.getHandle(invite.body.workflowId).result();

    const started = { workflow_type: 'invitationWorkflow', result: 'started' };
    const completed = { workflow_type: 'invitationWorkflow', outcome: 'completed' };
    const after = await waitFor(async () => {
      const text = await scrape();
      return (
        sample(text, 'workflow_outcomes_total', completed) > sample(before, 'workflow_outcomes_total', completed) &&
        text
      );
    });
    expect(sample(after, 'workflow_starts_total', started) - sample(before, 'workflow_starts_total', started)).toBe(1);
    expect(
      sample(after, 'workflow_outcomes_total', completed) - sample(before, 'workflow_outcomes_total', completed),
    ).toBe(1);
  });

  it('counts failed activity attempts by activity type (a failing mail relay, retried by Temporal)', async () => {
    // A second worker on its own task queue whose sendInvitationLink fails once, as an SMTP outage would.
    const { config } = engine.deps;
    const taskQueue = `${engine.taskQueue}-flaky`;
    const api = await startTestEngine({ taskQueue, runWorker: false });
    const real = createActivities({
      db: engine.deps.db,
      mailer: engine.deps.mailer,
      keyRing: engine.deps.keyRing,
      publicBaseUrl: config.publicBaseUrl,
      logger: engine.deps.logger,
      subscriptionTiming: config.subscriptionTiming,
    });
    let failures = 0;
    const connection = await connectWorkerConnection({ ...config.temporal, address: config.temporal.address! });
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      activities: {
        ...real,
        async sendInvitationLink(input) {
          if (failures++ === 0) throw new Error('mail relay unreachable');
          return real.sendInvitationLink(input);
        },
      },
      workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
      dataConverter: createDataConverter(engine.deps.keyRing),
      metrics: engine.deps.metrics,
    });
    try {
      await worker.runUntil(async () => {
        const provider = await createTestPartner(api.request, { kind: 'provider' });
        const resellerEmail = `flaky-${Date.now()}@example.test`;
        const labels = { activity_type: 'sendInvitationLink', retryable: 'true' };
        const before = sample(await scrape(), 'activity_failures_total', labels);
        const invite = await api.request('POST', '/v1/invitations', { key: provider.apiKey, body: { resellerEmail } });
        expect(invite.status).toBe(202);
        await waitFor(async () => (await mailTo(engine, resellerEmail)).length > 0, {
          what: 'the retried invitation mail',
        });
        expect(sample(await scrape(), 'activity_failures_total', labels) - before).toBe(1);
      });
    } finally {
      await connection.close();
      await api.stop();
    }
  });

  it("exposes the worker's Temporal runtime metrics for Prometheus at WORKER_METRICS_ADDRESS", async () => {
    const text = await waitFor(async () => {
      const response = await fetch(`http://${workerMetricsAddress}/metrics`).catch(() => undefined);
      const body = response?.ok ? await response.text() : '';
      return body.includes('temporal_') && body;
    });
    expect(text).toMatch(/^temporal_\w+/m);
  });
});
