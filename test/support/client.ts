import type { Reply, Requester } from './harness';

type Options = { headers?: Record<string, string>; rawBody?: string };

/**
 * The API as one caller sees it: every request carries that caller's key (none for the public link
 * pages), and every reply's body has the type the test names, from ./api-types.ts. Bodies are
 * `unknown` until a type is named, so a test cannot read a field the schema does not declare.
 */
export type ApiClient = {
  key: string | undefined;
  get<T = unknown>(path: string, options?: Options): Promise<Reply<T>>;
  delete<T = unknown>(path: string, options?: Options): Promise<Reply<T>>;
  post<T = unknown>(path: string, body?: unknown, options?: Options): Promise<Reply<T>>;
  patch<T = unknown>(path: string, body?: unknown, options?: Options): Promise<Reply<T>>;
  put<T = unknown>(path: string, body?: unknown, options?: Options): Promise<Reply<T>>;
};

/** A client for one caller of `request` (an engine's, or one built with `requester(url)`). */
export function apiClient(request: Requester, key?: string): ApiClient {
  const call = <T>(method: string, path: string, body: unknown, options: Options = {}) =>
    request<T>(method, path, { key, body, ...options });
  return {
    key,
    get: (path, options) => call('GET', path, undefined, options),
    delete: (path, options) => call('DELETE', path, undefined, options),
    post: (path, body, options) => call('POST', path, body, options),
    patch: (path, body, options) => call('PATCH', path, body, options),
    put: (path, body, options) => call('PUT', path, body, options),
  };
}
