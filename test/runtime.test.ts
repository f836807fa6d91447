import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineNodeArgs } from '../src/main/node-args';

const root = path.resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const pinned: string = manifest.dependencies.node;

/** The young generation's size (MB) in a process started with `args`, once garbage has made it grow. */
function youngGenerationMb(args: string[]): number {
  const churn = `let kept = [];
for (let i = 0; i < 3e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 2e5) kept = []; }
const space = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
process.stdout.write(String(space.space_size / 1048576));`;
  return Number(execFileSync(process.execPath, [...args, '-e', churn], { encoding: 'utf8' }));
}

/**
 * The engine runs on the Node.js it pins (the `node` package, whose binary npm's scripts put first on
 * PATH), not on whatever the machine has: Node 20 left maintenance on 30 April 2026 (README, "The
 * Node.js runtime").
 */
describe('the Node.js runtime', () => {
  it("is the pinned one in npm's scripts, and so in the processes they start", () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(process.version).toBe(`v${pinned}`);
  });

  it("starts the engine's processes with the same Node.js arguments from npm's scripts as from the code that spawns them", () => {
    for (const [script, entry] of [
      ['start', 'dev'],
      ['api', 'api'],
      ['worker', 'worker'],
    ] as const)
      expect(manifest.scripts[script]).toBe(
        ['node', ...engineNodeArgs, '--import tsx', `src/main/${entry}.ts`].join(' '),
      );
  });

  it("keeps Node.js 20's young generation: short scavenges in the API, and the worker's memory", () => {
    // Node.js 24's own default grows it to 128 MB (two 64 MB semi-spaces); each scavenge then takes tens of ms.
    expect(youngGenerationMb([])).toBeGreaterThan(32);
    expect(youngGenerationMb(engineNodeArgs)).toBeLessThanOrEqual(32);
  });

  it('is the major version of the container image', () => {
    const image = /^FROM node:(\d+)-/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(image).toBe(pinned.split('.')[0]);
  });
});
