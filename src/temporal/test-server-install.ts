import { ensureTestServer } from './test-server';

/** `npm run temporal:test-server`: installs Temporal's time-skipping test server for test/workflows/ and prints its wrapper. */
console.log(ensureTestServer());
