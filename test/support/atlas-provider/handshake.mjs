// go-plugin handshake and TLS for the stand-in Atlas provider (a test double, see README.md).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';

/**
 * A fresh directory for the unix socket; ATLAS_STANDIN_SOCKET_DIR lets tests choose where
 * (so they can check nothing is left behind). Unix socket paths are limited to ~107 bytes.
 */
export function makeSocketDir(/** @type {NodeJS.ProcessEnv} */ env = process.env) {
  const dir = mkdtempSync(join(env.ATLAS_STANDIN_SOCKET_DIR || tmpdir(), 'atlas-standin-'));
  return { dir, socket: join(dir, 'plugin.sock') };
}

/**
 * The server's certificate and key. Terraform only insists on a DNS SAN `localhost`. The
 * test harness generates them once per run (ATLAS_STANDIN_TLS_DIR holds cert.pem and
 * key.pem) because openssl costs ~50 ms per start; without it the provider makes its own.
 * @param {string} scratchDir where to write a generated pair
 */
export function serverTls(scratchDir, /** @type {NodeJS.ProcessEnv} */ env = process.env) {
  const dir = env.ATLAS_STANDIN_TLS_DIR;
  if (dir) return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  generateTls(scratchDir);
  const pair = { cert: readFileSync(join(scratchDir, 'cert.pem')), key: readFileSync(join(scratchDir, 'key.pem')) };
  rmSync(join(scratchDir, 'key.pem'), { force: true });
  rmSync(join(scratchDir, 'cert.pem'), { force: true });
  return pair;
}

/** Writes cert.pem and key.pem (EC P-256, self-signed, SAN localhost) into dir with openssl. */
export function generateTls(/** @type {string} */ dir) {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '7',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

/**
 * The single stdout line go-plugin reads: core version 1, protocol 6, network, address,
 * grpc, and the server certificate as unpadded base64 of its DER bytes.
 * @param {string} socket
 * @param {Buffer} certPem
 */
export function handshakeLine(socket, certPem) {
  const der = new X509Certificate(certPem).raw;
  return `1|6|unix|${socket}|grpc|${der.toString('base64').replace(/=+$/, '')}\n`;
}
