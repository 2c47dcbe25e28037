import type * as Undici from 'undici/index.js';

// The bundle's `undici`. tsconfig.json's "paths" send every import of 'undici' here when ncc
// builds dist/, so undici itself (0.9 MB, 40 % of the entry chunk) is a chunk of its own,
// compiled and run only when a request goes through it — not by every run at start-up, which
// is on the way to the first `terraform init` (bench section 7).
//
// The libraries in the bundle that import undici use two names:
// - @actions/http-client: `new ProxyAgent(options)`, when HTTP(S)_PROXY is set, in
//   getAgentDispatcher(). @actions/github calls that once at load time (its proxied fetch);
//   nothing else of ours does. The constructor must be synchronous, so it keeps the options,
//   and undici's ProxyAgent is made from them by `fetch` below, the one place that uses it.
// - @actions/github: `fetch(url, { ...init, dispatcher })`.
// A name an importer takes that this module lacks would be undefined at run time:
// test/unit/undici-on-demand.test.ts reads, from dist's source maps, every name the bundled
// sources take from 'undici', and fails on one missing here. The action's own GitHub requests
// replace @actions/github's fetch with one over @actions/http-client (src/github/transport.ts),
// so today no run loads undici; this module keeps the libraries' proxy path working for a
// caller that uses it.

/** undici's ProxyAgent, described: made into undici's own on first use by `fetch`. */
export class ProxyAgent {
  /** @param options undici's ProxyAgent options, as the caller gave them. */
  constructor(readonly options: Undici.ProxyAgent.Options) {}
}

const agents = new WeakMap<ProxyAgent, Undici.ProxyAgent>();

/** undici's fetch, loaded on first call; a `dispatcher` made by ProxyAgent above becomes undici's ProxyAgent. */
export async function fetch(
  input: Parameters<typeof Undici.fetch>[0],
  init: Parameters<typeof Undici.fetch>[1] = {},
): Promise<Undici.Response> {
  // 'undici/index.js', not 'undici': the alias would send that back to this file.
  const undici = await import('undici/index.js');
  const described: unknown = init.dispatcher;
  if (!(described instanceof ProxyAgent)) return undici.fetch(input, init);
  let agent = agents.get(described);
  if (!agent) agents.set(described, (agent = new undici.ProxyAgent(described.options)));
  return undici.fetch(input, { ...init, dispatcher: agent });
}
