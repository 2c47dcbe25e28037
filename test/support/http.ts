import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// Small HTTP plumbing shared by the loopback servers (OIDC issuer, STS, GitHub API).

/**
 * A loopback server. With RDS_ATLAS_BENCH_API_LATENCY_MS set (the benchmark only, never the
 * tests), each request is answered that much later, as over a network: GitHub's API, its OIDC
 * issuer and STS are tens to hundreds of milliseconds away from a hosted runner.
 */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string }> {
  const latencyMs = Number(process.env['RDS_ATLAS_BENCH_API_LATENCY_MS'] ?? 0);
  const server = createServer(latencyMs > 0 ? (req, res) => void setTimeout(() => handler(req, res), latencyMs) : handler);
  // Keep-alive sockets from SDK clients would otherwise hold close() open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}` };
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
