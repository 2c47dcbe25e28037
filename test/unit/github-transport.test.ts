import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIONS_BOT_LOGIN, createGitHub, tokenIdentity } from '../../src/github/client.js';
import { httpClientFetch } from '../../src/github/transport.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';

// The GitHub client's transport (src/github/transport.ts) against real loopback servers: what
// Octokit reads from an answer, a socket that stays silent, and HTTP_PROXY through a CONNECT
// proxy (loopback hosts never go through a proxy, so the API is addressed by a name only the
// proxy resolves).

const stops: (() => Promise<void>)[] = [];
const savedProxy = process.env['HTTP_PROXY'];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  if (savedProxy === undefined) delete process.env['HTTP_PROXY'];
  else process.env['HTTP_PROXY'] = savedProxy;
});

/** Starts `server` on a loopback port, stopped (with every socket it opened) after the test. */
async function listen(server: Server | NetServer): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => server.close(() => ok()));
  });
  return (server.address() as AddressInfo).port;
}

/** A CONNECT proxy that records each tunnel's target and opens it to 127.0.0.1 at the target's port. */
async function startProxy(): Promise<{ url: string; targets: string[] }> {
  const targets: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const upstream = connect(Number((req.url ?? '').split(':').pop()), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).on('error', () => client.destroy());
      client.pipe(upstream).on('error', () => upstream.destroy());
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
  });
  return { url: `http://127.0.0.1:${await listen(server)}`, targets };
}

describe('the GitHub client over HTTP_PROXY', () => {
  let api: GitHubApi;

  it('reaches an API host through the proxy, with Octokit’s user agent and the token', async () => {
    api = await startGitHubApi();
    stops.push(() => api.stop());
    const proxy = await startProxy();
    process.env['HTTP_PROXY'] = proxy.url;
    const port = new URL(api.url).port;
    const gh = createGitHub(api.actionsToken, { baseUrl: `http://api.github.test:${port}` });

    expect(await tokenIdentity(gh)).toBe(ACTIONS_BOT_LOGIN);
    expect(proxy.targets).toEqual([`api.github.test:${port}`]);
    const [request] = api.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/graphql', status: 200, auth: 'actions' });
    expect(request?.userAgent).toMatch(/octokit-core\.js\//);
  });
});

describe('httpClientFetch', () => {
  const serve = async (answer: (res: ServerResponse) => void): Promise<string> =>
    `http://127.0.0.1:${await listen(createServer((_req, res) => answer(res)))}`;

  it('gives Octokit the status, the headers (repeated ones joined) and the body, a character split across chunks intact', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'café ✓' }));
    const url = await serve((res) => {
      res.writeHead(201, 'Created', { 'Content-Type': 'application/json; charset=utf-8', 'Set-Cookie': ['a=1', 'b=2'] });
      // Split inside the two bytes of "é".
      const cut = body.indexOf(0xc3) + 1;
      res.write(body.subarray(0, cut));
      setImmediate(() => res.end(body.subarray(cut)));
    });
    const res = await httpClientFetch(10_000)(`${url}/x`, { method: 'GET', headers: { 'user-agent': 'test' } });

    expect([res.status, res.statusText, res.url]).toEqual([201, 'Created', `${url}/x`]);
    expect(res.headers.get('CONTENT-TYPE')).toBe('application/json; charset=utf-8');
    expect(Object.fromEntries(res.headers)).toMatchObject({ 'set-cookie': 'a=1, b=2' });
    expect(JSON.parse(await res.text())).toEqual({ name: 'café ✓' });
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  it('gives up on a socket that accepts the request and never answers', async () => {
    const url = await serve(() => undefined);
    await expect(httpClientFetch(200)(`${url}/silent`, { method: 'GET', headers: { 'user-agent': 'test' } })).rejects.toThrow(
      'Request timeout: /silent',
    );
  });

  it('gives up on an answer whose body stops coming, from a server that keeps its side open', async () => {
    // A raw server that sends a head and part of the body, then nothing, and does not close
    // when the client does.
    const server = createNetServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () =>
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"partial":'),
      );
    });
    const url = `http://127.0.0.1:${await listen(server)}`;
    await expect(httpClientFetch(200)(`${url}/stalls`, { method: 'GET', headers: { 'user-agent': 'test' } })).rejects.toThrow(
      'GitHub stopped sending its answer to /stalls for 0.2 s',
    );
    // Without the body's own timeout this waits forever: fail well before the suite's 120 s.
  }, 30_000);

  it('refuses what Octokit sends only when a caller asks for it: an abort signal, a redirect mode, a stream body', async () => {
    const f = httpClientFetch(10_000);
    await expect(f('http://127.0.0.1:9/', { signal: new AbortController().signal })).rejects.toThrow('does not take an abort signal');
    await expect(f('http://127.0.0.1:9/', { redirect: 'manual' })).rejects.toThrow('only follows redirects, not "manual"');
    await expect(f('http://127.0.0.1:9/', { body: new Uint8Array(1) })).rejects.toThrow('sends only text bodies');
  });
});
