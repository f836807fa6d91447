import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('subscription durations from the environment', () => {
  it('defaults to calendar months and the §6 durations', () => {
    expect(loadConfig({}).subscriptionTiming).toEqual({
      month: { kind: 'calendar' },
      cancellationWindowMs: 7 * 86_400_000,
      renewalNoticeMs: 7 * 86_400_000,
      expiredGraceMs: 30 * 86_400_000,
      disabledGraceMs: 90 * 86_400_000,
    });
  });

  it('compresses a month to a duration (SUBSCRIPTION_MONTH=20s) and reads the others in the same format', () => {
    const timing = loadConfig({
      SUBSCRIPTION_MONTH: '20s',
      CANCELLATION_WINDOW: '90s',
      RENEWAL_NOTICE: '1m',
      EXPIRED_GRACE: '2m',
      DISABLED_GRACE: '3m',
    }).subscriptionTiming;
    expect(timing).toEqual({
      month: { kind: 'fixed', monthMs: 20_000 },
      cancellationWindowMs: 90_000,
      renewalNoticeMs: 60_000,
      expiredGraceMs: 120_000,
      disabledGraceMs: 180_000,
    });
  });

  it.each([
    ['SUBSCRIPTION_MONTH', 'weekly'],
    ['SUBSCRIPTION_MONTH', '10ms'],
    ['CANCELLATION_WINDOW', '7 days'],
  ])('stops on %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
