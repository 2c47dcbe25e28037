import { HttpClient } from '@actions/http-client';

// Octokit's requests over node:http(s), through @actions/http-client: the client @actions/core
// already uses for the OIDC token, so it is in the bundle and loaded at start-up anyway.
// - It honours HTTP(S)_PROXY and NO_PROXY (Node's fetch does not, without NODE_USE_ENV_PROXY).
// - Node's fetch compiles and starts Node's own undici on its first request: ~40 ms of the main
//   thread's CPU, spent while the HCL guardrails run, before the first `terraform init`; a first
//   request on node:http costs ~10 ms, and node:http is loaded for STS later in any case (bench
//   section 7, docs/benchmarks.md).
// Octokit's request reads only what `OctokitResponse` below has; that is all this gives it.

/** What Octokit's request passes to its `fetch`. */
export interface OctokitFetchInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  redirect?: string;
  signal?: AbortSignal | null;
}

/** The part of fetch's Response that Octokit's request reads, with the body already read. */
export interface OctokitResponse {
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null; [Symbol.iterator](): IterableIterator<[string, string]> };
  body: null;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A fetch for Octokit's `request.fetch`: one keep-alive client that gives up after `timeoutMs`
 * without a byte, before the answer's head or within its body (a GitHub that accepts the
 * connection and never answers must not hold the job), following redirects as fetch does. The
 * whole body is read before the response is returned, so no answer Octokit leaves unread (a
 * 204, a HEAD) keeps its socket busy.
 */
export function httpClientFetch(timeoutMs: number): (url: string | URL, init?: OctokitFetchInit) => Promise<OctokitResponse> {
  const client = new HttpClient(undefined, [], { keepAlive: true, socketTimeout: timeoutMs, allowRetries: false });
  // HttpClient would put its own user-agent over the one Octokit sends.
  client.userAgent = undefined;
  return async (url, init = {}) => {
    // Octokit passes these only when a caller asks for them, and no caller of ours does.
    if (init.signal) throw new Error('the GitHub client does not take an abort signal');
    if (init.redirect !== undefined && init.redirect !== 'follow')
      throw new Error(`the GitHub client only follows redirects, not "${init.redirect}"`);
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string')
      throw new Error('the GitHub client sends only text bodies');
    const href = String(url);
    const res = await client.request(init.method ?? 'GET', href, init.body ?? null, { ...init.headers });
    // The client's timeout ends only the wait for the answer's head; a body that stops coming
    // is ended here, on the same terms.
    const stalled = (): void => {
      res.message.destroy(new Error(`GitHub stopped sending its answer to ${new URL(href).pathname} for ${timeoutMs / 1000} s`));
    };
    res.message.setTimeout(timeoutMs, stalled);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res.message) chunks.push(chunk as Buffer);
    } finally {
      res.message.removeListener('timeout', stalled);
    }
    const bytes = Buffer.concat(chunks);
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(res.message.headers)) {
      if (value !== undefined) headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
    }
    return {
      status: res.message.statusCode ?? 0,
      statusText: res.message.statusMessage ?? '',
      url: href,
      headers: { get: (name) => headers.get(name.toLowerCase()) ?? null, [Symbol.iterator]: () => headers.entries() },
      body: null,
      text: () => Promise.resolve(bytes.toString('utf8')),
      arrayBuffer: () => Promise.resolve(new Uint8Array(bytes).buffer),
    };
  };
}
