import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, checkWebhookUrlSyntax, isPublicAddress } from '../src/webhooks/url-safety';

/** Pure checks: no name is looked up and no connection attempted (the resolver is a table). */
const table = (entries: Record<string, string[]>) => async (host: string) => {
  if (!(host in entries)) throw new Error('ENOTFOUND');
  return entries[host]!;
};
const strict = {
  allowPrivate: false,
  resolve: table({
    'hooks.example.com': ['93.184.216.34'],
    'sneaky.example.com': ['93.184.216.34', '10.0.0.5'],
    'v6.example.com': ['fe80::1'],
  }),
};

describe('webhook URL safety', () => {
  it.each([
    ['127.0.0.1'],
    ['127.8.9.10'],
    ['10.1.2.3'],
    ['172.16.0.1'],
    ['172.31.255.255'],
    ['192.168.1.1'],
    ['169.254.169.254'],
    ['100.64.0.1'],
    ['0.0.0.0'],
    ['224.0.0.1'],
    ['255.255.255.255'],
    ['::1'],
    ['::'],
    ['fe80::1'],
    ['fc00::1'],
    ['fd12:3456::1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:10.0.0.1'],
    ['64:ff9b::a00:1'],
  ])('refuses the non-public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([['93.184.216.34'], ['8.8.8.8'], ['172.32.0.1'], ['2606:2800:220:1:248:1893:25c8:1946'], ['::ffff:8.8.8.8']])(
    'accepts the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it.each([
    ['http://hooks.example.com/x', 'https'],
    ['ftp://hooks.example.com/x', 'https'],
    ['https://user:pw@hooks.example.com/x', 'credentials'],
    ['https://localhost/x', 'loopback name'],
    ['https://api.localhost:8443/x', 'loopback name'],
    ['https://127.0.0.1/x', 'loopback'],
    ['https://[::1]/x', 'loopback'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://10.0.0.1/x', 'private'],
    ['not a url', 'not a URL'],
  ])('refuses %s before any lookup', (url, reason) => {
    const verdict = checkWebhookUrlSyntax(url, { allowPrivate: false });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toContain(reason);
  });

  it('judges a name by every address it resolves to', async () => {
    expect((await checkWebhookUrl('https://hooks.example.com/in', strict)).ok).toBe(true);
    expect(await checkWebhookUrl('https://sneaky.example.com/in', strict)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('private'),
    });
    expect((await checkWebhookUrl('https://v6.example.com/in', strict)).ok).toBe(false);
    expect(await checkWebhookUrl('https://nowhere.example.com/in', strict)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not resolve'),
    });
  });

  it('allows http and private targets with WEBHOOK_ALLOW_PRIVATE=true, never other schemes', async () => {
    const open = { allowPrivate: true, resolve: table({}) };
    expect((await checkWebhookUrl('http://127.0.0.1:9000/hooks', open)).ok).toBe(true);
    expect((await checkWebhookUrl('https://localhost/hooks', open)).ok).toBe(true);
    expect((await checkWebhookUrl('ftp://127.0.0.1/hooks', open)).ok).toBe(false);
  });
});
