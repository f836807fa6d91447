import { describe, expect, it } from 'vitest';
import { devServerArgs } from '../src/temporal/dev-server';

const base = { binary: 'temporal', port: 7233, namespace: 'default' };
const cacheValues = (args: string[]) =>
  args.filter((arg) => arg.startsWith('system.forceSearchAttributesCacheRefreshOnRead='));

describe('devServerArgs', () => {
  it('registers every search attribute at start and lets the server read them from its cache', () => {
    const args = devServerArgs(base);
    expect(args).toContain('--search-attribute');
    expect(cacheValues(args)).toEqual(['system.forceSearchAttributesCacheRefreshOnRead=false']);
    expect(args[args.indexOf('system.forceSearchAttributesCacheRefreshOnRead=false') - 1]).toBe(
      '--dynamic-config-value',
    );
  });

  it('keeps a value given in extraArgs instead of its own', () => {
    const args = devServerArgs({
      ...base,
      extraArgs: ['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true'],
    });
    expect(cacheValues(args)).toEqual(['system.forceSearchAttributesCacheRefreshOnRead=true']);
  });
});
