import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isPublicAddress } from './url-safety';

export const answerLimitBytes = 4096;

export type SendResult = {
  statusCode: number | null;
  durationMs: number;
  /** Why no 2xx arrived: a network error, a timeout, a refused address, or the status. */
  error: string | null;
  /** The first 4 KiB of the answer. */
  responseBody: string | null;
  delivered: boolean;
};

/**
 * POSTs one webhook. Redirects are not followed (a 3xx is a failure); the answer is read up to 4 KiB;
 * the whole exchange is bounded by `timeoutMs`. Unless private targets are allowed, the connection
 * goes only to an address checked as public at this very lookup, so DNS cannot rebind in between.
 */
export function sendWebhook(params: {
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const lookup: typeof dnsLookup = ((
    hostname: string,
    options: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const refused = params.allowPrivate ? undefined : list.find((entry) => !isPublicAddress(entry.address));
      if (refused) return callback(new Error(`${hostname} resolves to a non-public address`), '', 0);
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as never;

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs' | 'delivered'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const delivered =
        result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      resolve({ ...result, durationMs: elapsed(), delivered });
    };
    const client = params.url.protocol === 'https:' ? https : http;
    const request = client.request(
      params.url,
      { method: 'POST', headers: { ...params.headers, 'content-length': Buffer.byteLength(params.body) }, lookup },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const statusCode = response.statusCode ?? null;
          const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
          finish({
            statusCode,
            error: ok ? null : `answered ${statusCode}`,
            responseBody: Buffer.concat(chunks).subarray(0, answerLimitBytes).toString('utf8'),
          });
          request.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= answerLimitBytes) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ statusCode: null, error: `no answer within ${params.timeoutMs} ms`, responseBody: null });
      request.destroy();
    }, params.timeoutMs);
    request.on('error', (error) => finish({ statusCode: null, error: error.message, responseBody: null }));
    request.end(params.body);
  });
}
