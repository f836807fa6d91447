import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../src/config';
import { LOCAL_CONFIG_VARIABLES } from '../src/prod/local-config';
import { childEnv } from './support/children';

/**
 * The processes tests start their children with only the configuration the test gives (childEnv).
 * The variables it clears come from src/config.ts itself, so a variable added there cannot be
 * forgotten here and leak from the developer's shell into a child.
 */
describe('the configuration variables', () => {
  it('src/config.ts lists exactly the variables loadConfig reads', () => {
    const read = new Set<string>();
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_, name) => (typeof name === 'string' && read.add(name), undefined),
      has: (_, name) => (typeof name === 'string' && read.add(name), false),
    });
    loadConfig(env);
    expect([...CONFIG_VARIABLES].sort()).toEqual([...read].sort());
  });

  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("are none of them inherited by a child process, the launcher's included", () => {
    const all = [...CONFIG_VARIABLES, ...LOCAL_CONFIG_VARIABLES];
    for (const name of all) process.env[name] = 'from the shell';
    const env = childEnv({ PORT: '4000' });
    expect(all.filter((name) => name !== 'PORT' && env[name] !== undefined)).toEqual([]);
    expect(env.PORT).toBe('4000');
  });
});
