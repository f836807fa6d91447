import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from './worker';

/**
 * `npm run build:workflows [file]`: bundles the workflow code once (default `.data/workflow-bundle.js`),
 * for workers started with WORKFLOW_BUNDLE_PATH — they start in seconds instead of bundling each time.
 * Rebuild it with every deploy: the bundle must be the code the workers run.
 */
const target = path.resolve(process.argv[2] ?? '.data/workflow-bundle.js');
const bundle = (await bundleWorkflows()) as { code: string };
writeFileSync(target, bundle.code);
console.log(`workflow bundle written to ${target}`);
