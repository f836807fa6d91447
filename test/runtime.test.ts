import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const pinned: string = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies.node;

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

  it('is the major version of the container image', () => {
    const image = /^FROM node:(\d+)-/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(image).toBe(pinned.split('.')[0]);
  });
});
