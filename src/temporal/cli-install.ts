import { ensureTemporalCli } from './cli';

/** `npm run temporal:install`: makes sure the Temporal CLI is available and prints where. */
const binary = ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined });
console.log(binary);
