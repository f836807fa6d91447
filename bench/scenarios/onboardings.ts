import { randomBytes } from 'node:crypto';
import {
  benchConfig,
  envNumber,
  freePort,
  openBenchDatabase,
  poll,
  round,
  runConcurrently,
  startBenchEngine,
  startBenchServer,
  timing,
  type Scenario,
} from '../support';

/**
 * `onboardings`: new customers end to end through the engine — create the onboarding, wait for its
 * review, submit (provisioning saga: customer, admin user, order, subscriptions, one-time
 * credentials) — BENCH_COUNT (100) at BENCH_CONCURRENCY (10). Reports the whole and the submit
 * alone. DATABASE_URL (else PGlite), DATABASE_POOL_SIZE and WORKER_* tune it.
 */
export const onboardings: Scenario = {
  name: 'onboardings',
  describe: 'create → review → submit a new customer, end to end',
  async run() {
    const count = envNumber('BENCH_COUNT', 100);
    const concurrency = Number((process.env.BENCH_CONCURRENCY ?? '10').split(',')[0]);
    const server = await startBenchServer();
    const bench = await openBenchDatabase({
      name: `poe_bench_onboardings_${process.pid}`,
      maxConnections: envNumber('DATABASE_POOL_SIZE', 10),
    });
    try {
      const engine = await startBenchEngine({
        config: benchConfig(server, freePort()),
        runApi: true,
        runWorker: true,
        database: bench.database,
      });
      const body = {
        kind: 'provider',
        name: 'Bench provider',
        email: 'provider@bench.test',
        partnerId: String(1_000_000_000 + Math.floor(Math.random() * 8e9)),
        country: 'ES',
      };
      const provider = (await engine.call('POST', '/v1/partners', body, engine.deps.config.operatorApiKey)).body;
      const submits: number[] = [];
      const total = await runConcurrently(count, concurrency, async () => {
        const prefix = `bench${randomBytes(6).toString('hex')}`;
        const created = await engine.call(
          'POST',
          '/v1/customer-onboardings',
          {
            company: {
              name: `Bench ${prefix}`,
              domainPrefix: prefix,
              country: 'ES',
              address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013' },
            },
            contact: { firstName: 'Ana', lastName: 'García', email: 'ana@bench.test' },
            items: [
              { offerId: 'm365-business-premium', quantity: 10 },
              { offerId: 'exchange-online-p1', quantity: 5 },
            ],
          },
          provider.apiKey,
        );
        if (created.status !== 202)
          throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
        await poll(async () => {
          const reply = await engine.call(
            'GET',
            `/v1/customer-onboardings/${created.body.id}`,
            undefined,
            provider.apiKey,
          );
          return reply.body.status === 'awaiting_review' ? true : undefined;
        });
        const t0 = performance.now();
        const submitted = await engine.call(
          'POST',
          `/v1/customer-onboardings/${created.body.id}/submit`,
          undefined,
          provider.apiKey,
        );
        if (submitted.status !== 200)
          throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
        submits.push(performance.now() - t0);
      });
      await engine.stop();
      const submit = timing(submits, total.seconds);
      return {
        rows: [
          { run: 'onboarding, end to end', concurrency, ...total },
          { run: 'submit (provisioning saga)', concurrency, ...submit },
        ],
        summary: {
          database: bench.database.kind,
          count,
          concurrency,
          perSecond: total.perSecond,
          p99: total.p99,
          submitP99: round(submit.p99),
        },
      };
    } finally {
      await bench.drop();
      await server.stop();
    }
  },
};
