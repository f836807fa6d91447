import { installTemporalRuntime } from '../src/temporal/logging';
import { invitations } from './scenarios/invitations';
import { onboardings } from './scenarios/onboardings';
import { reads } from './scenarios/reads';
import { waiting } from './scenarios/waiting';
import { waitingSubscriptions } from './scenarios/waiting-subscriptions';
import { logger, type Scenario } from './support';

/**
 * `npm run bench [-- <scenario> …]`: the benchmark suite. Each named scenario prints a table and
 * one JSON line `{"scenario": …}`; none asserts anything. Without names it runs `invitations`.
 */
const scenarios: Scenario[] = [invitations, onboardings, reads, waiting, waitingSubscriptions];

async function main() {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !scenarios.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown scenario ${unknown.join(', ')}; choose from:\n${scenarios.map((s) => `  ${s.name.padEnd(12)} ${s.describe}`).join('\n')}`,
    );
    process.exit(2);
  }
  installTemporalRuntime({ logger });
  for (const name of names.length > 0 ? names : ['invitations']) {
    const scenario = scenarios.find((candidate) => candidate.name === name)!;
    console.log(`\n== ${scenario.name}: ${scenario.describe}`);
    const result = await scenario.run();
    console.table(result.rows);
    console.log(JSON.stringify({ scenario: scenario.name, ...result.summary }));
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
