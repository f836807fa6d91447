/**
 * What the processes that answer HTTP (the API, and dev mode's all-in-one process) pass to Node.js
 * before their script, as npm's scripts do (package.json; test/runtime.test.ts checks they agree).
 *
 * `--max-semi-space-size=16`: the young generation of Node.js 20. Node.js 24's V8 lets it grow to
 * 64 MB semi-spaces. It then collects a quarter as often, but each scavenge takes up to 30 ms, and a
 * request that meets one misses the reads' 10 ms p99 (`npm run bench -- reads` at 1M customers).
 * The worker keeps Node.js 24's default: it answers no reads, and with 16 MB it spent more CPU per
 * invitation (README, "The Node.js runtime").
 */
export const apiNodeArgs = ['--max-semi-space-size=16'];

/** The Node.js arguments of an engine entry point, before `--import tsx <script>`. */
export const nodeArgsOf = (entry: 'dev' | 'api' | 'worker'): string[] => (entry === 'worker' ? [] : apiNodeArgs);
