/**
 * What every engine process (the API, the worker, dev mode) passes to Node.js before its script, as
 * npm's scripts do (package.json; test/runtime.test.ts checks they agree).
 *
 * `--max-semi-space-size=16`: the young generation of Node.js 20. Node.js 24's V8 lets it grow to
 * 64 MB semi-spaces (README, "The Node.js runtime"). In the API, its scavenges (up to 30 ms) then push
 * the reads past their 10 ms p99 at 1M customers. In the worker, RSS with 5,000 sleeping
 * subscriptions rose from 717 to 974 MiB, and past 1 GiB at 20,000.
 */
export const engineNodeArgs = ['--max-semi-space-size=16'];
