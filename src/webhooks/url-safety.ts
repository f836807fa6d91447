import { BlockList, isIP } from 'node:net';

/**
 * Outbound safety of webhook URLs (PRODUCT.md §7): `https` only, and never a loopback, private,
 * link-local or otherwise non-public address, unless WEBHOOK_ALLOW_PRIVATE=true (dev mode), which
 * also allows `http`. Names are judged by what they resolve to, at save and again at each delivery
 * (the delivery connects to the very address that was checked, so a name cannot change in between).
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64, which reaches IPv4 targets
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

/** True for an address a webhook may be sent to without WEBHOOK_ALLOW_PRIVATE. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !nonPublic.check(address, 'ipv4');
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  return !nonPublic.check(address, 'ipv6');
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** The checks that need no name resolution: scheme, credentials, literal addresses and loopback names. */
export function checkWebhookUrlSyntax(text: string, options: { allowPrivate: boolean }): UrlVerdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:' && !(options.allowPrivate && url.protocol === 'http:')) {
    return { ok: false, reason: options.allowPrivate ? 'must be an http or https URL' : 'must be an https URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  if (options.allowPrivate) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost'))
    return { ok: false, reason: 'must not point at a loopback name' };
  if (isIP(host) && !isPublicAddress(host))
    return { ok: false, reason: 'must not point at a loopback, private or link-local address' };
  return { ok: true, url };
}

export type Resolver = (hostname: string) => Promise<string[]>;

/** The full check: syntax, then every address the name resolves to must be public. */
export async function checkWebhookUrl(
  text: string,
  options: { allowPrivate: boolean; resolve: Resolver },
): Promise<UrlVerdict> {
  const verdict = checkWebhookUrlSyntax(text, options);
  if (!verdict.ok || options.allowPrivate) return verdict;
  const host = verdict.url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return verdict;
  let addresses: string[];
  try {
    addresses = await options.resolve(host);
  } catch {
    return { ok: false, reason: `${host} does not resolve` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  if (!addresses.every(isPublicAddress))
    return { ok: false, reason: `${host} resolves to a loopback, private or link-local address` };
  return verdict;
}
