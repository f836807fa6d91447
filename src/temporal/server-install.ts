import { ensureTemporalServer } from './server-binaries';

/** `npm run temporal:server:install`: builds the pinned Temporal server, SQL tool and UI server into .tools/ if missing. */
const binaries = ensureTemporalServer();
console.log(Object.values(binaries).join('\n'));
