import { readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as onDemand from '../../src/undici-on-demand.js';

// src/undici-on-demand.ts is what the bundle's libraries get when they import 'undici'
// (tsconfig.json "paths", applied by ncc): the requests it makes, and the bundle it makes.

const DIST = path.resolve(import.meta.dirname, '../../dist');
const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A server that answers every request with its path. */
function target(): Promise<number> {
  return listen(http.createServer((req, res) => res.end(`hello from ${req.url}`)));
}

/** A forward proxy (CONNECT tunnels, or absolute-form requests); `seen` lists what it was asked for. */
async function proxy(seen: string[]): Promise<number> {
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '');
    http.get({ host: url.hostname, port: url.port, path: url.pathname }, (upstream) => upstream.pipe(res));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });
  return listen(server);
}

describe('undici on demand (the bundle’s undici)', () => {
  it('fetches without a dispatcher, straight from the server', async () => {
    const port = await target();
    const res = await onDemand.fetch(`http://127.0.0.1:${port}/direct`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello from /direct');
  });

  it('sends a request whose dispatcher is a ProxyAgent through that proxy (@actions/github with HTTPS_PROXY)', async () => {
    const seen: string[] = [];
    const [port, proxyPort] = [await target(), await proxy(seen)];
    // As @actions/http-client builds it (getAgentDispatcher) and @actions/github uses it.
    const dispatcher = new onDemand.ProxyAgent({ uri: `http://127.0.0.1:${proxyPort}` });
    const first = await onDemand.fetch(`http://127.0.0.1:${port}/via-proxy`, { dispatcher } as never);
    expect(await first.text()).toBe('hello from /via-proxy');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatch(new RegExp(`^(CONNECT 127\\.0\\.0\\.1:${port}|GET http://127\\.0\\.0\\.1:${port}/via-proxy)$`));
  });

  it('is all the bundle takes from undici: its importers name only what it exports, and undici is a chunk of its own', () => {
    const maps = ['', 'post']
      .flatMap((dir) => readdirSync(path.join(DIST, dir)).map((f) => path.join(dir, f)))
      .filter((f) => f.endsWith('.js.map'))
      .map((f) => ({
        file: f,
        map: JSON.parse(readFileSync(path.join(DIST, f), 'utf8')) as { sources: string[]; sourcesContent: string[] },
      }));
    const entries = maps.filter((m) => m.file.endsWith('index.js.map') && !/\d\.index/.test(m.file));
    expect(entries.map((m) => m.file)).toEqual(['index.js.map', path.join('post', 'index.js.map')]);
    // Not in an entry chunk (compiled by every run at start-up), but in a chunk of its own.
    expect(entries.flatMap((m) => m.map.sources.filter((s) => s.includes('node_modules/undici/')))).toEqual([]);
    expect(maps.some((m) => m.map.sources.some((s) => s.includes('node_modules/undici/lib/web/fetch/')))).toBe(true);

    const named = new Set<string>();
    const importers: string[] = [];
    for (const { map } of maps)
      map.sources.forEach((source, i) => {
        const text = map.sourcesContent[i] ?? '';
        if (source.includes('node_modules/undici/') || source.endsWith('src/undici-on-demand.ts')) return;
        for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]undici['"]/g)) {
          importers.push(source);
          for (const name of (m[1] ?? '').split(',')) if (name.trim()) named.add(name.trim().split(/\s+as\s+/)[0] ?? '');
        }
        // CommonJS (the older @actions/http-client that @actions/github carries): the names used on the require's result.
        for (const m of text.matchAll(/(\w+)\s*=\s*require\(\s*['"]undici['"]\s*\)/g)) {
          importers.push(source);
          for (const use of text.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)`, 'g'))) named.add(use[1] ?? '');
        }
        // A namespace import could use any name: this test could not tell which.
        expect(text).not.toMatch(/import\s*\*\s*as\s+\w+\s+from\s*['"]undici['"]/);
      });
    expect(importers.length).toBeGreaterThan(0);
    expect([...named].filter((name) => !(name in onDemand))).toEqual([]);
  });
});
