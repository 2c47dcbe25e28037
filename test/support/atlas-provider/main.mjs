#!/usr/bin/env node
// Stand-in for the ariga/atlas Terraform provider — A TEST DOUBLE, NOT ATLAS.
// It lets the tests drive the real terraform binary with the seed's roots unchanged: it
// speaks Terraform's plugin protocol (go-plugin handshake, TLS, tfplugin6 over gRPC on a
// unix socket) and takes its SQL from a scenario file instead of diffing HCL. See README.md.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { handshakeLine, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, makeSocketDir, serverTls } from './handshake.mjs';
import { providerHandlers } from './provider.mjs';
import { closeDatabase } from './resource.mjs';

if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
  process.stderr.write(
    'This is the stand-in Atlas Terraform provider used by the tests of rds-atlas-action.\n' +
      'It is a plugin: terraform starts it. It is not meant to be executed directly.\n',
  );
  process.exit(1);
}

const log = (/** @type {string} */ msg) => process.stderr.write(`stand-in Atlas provider[${process.pid}]: ${msg}\n`);

// go-plugin providers ignore SIGINT: Terraform forwards Ctrl-C itself, via StopProvider.
process.on('SIGINT', () => {});

const { dir: socketDir, socket } = makeSocketDir();
const server = new grpc.Server();
let exiting = false;

/** Removes the socket, closes database connections, exits. Idempotent. */
async function shutdown(/** @type {number} */ code) {
  if (exiting) return;
  exiting = true;
  server.forceShutdown();
  await closeDatabase().catch(() => {});
  process.exit(code);
}
// Last resort on every exit path (not SIGKILL): never leave a socket behind.
process.on('exit', () => rmSync(socketDir, { recursive: true, force: true }));
process.on('SIGTERM', () => void shutdown(0));
process.on('uncaughtException', (err) => {
  log(`uncaught: ${err.stack ?? err}`);
  void shutdown(1);
});

const here = dirname(fileURLToPath(import.meta.url));
const loaded = protoLoader.loadSync([join(here, 'protocol', 'tfplugin6-subset.proto'), join(here, 'protocol', 'go-plugin.proto')], {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
});
const pkg = /** @type {any} */ (grpc.loadPackageDefinition(loaded));

server.addService(pkg.tfplugin6.Provider.service, providerHandlers);
server.addService(pkg.plugin.GRPCController.service, {
  Shutdown: (/** @type {any} */ _call, /** @type {Function} */ callback) => {
    callback(null, {});
    setImmediate(() => void shutdown(0));
  },
});
// Terraform opens these two streams on every plugin and expects them to stay open.
server.addService(pkg.plugin.GRPCStdio.service, { StreamStdio: () => {} });
server.addService(pkg.plugin.GRPCBroker.service, {
  StartStream: (/** @type {any} */ call) => {
    call.on('data', () => {});
    call.on('error', () => {});
  },
});

const tls = serverTls(socketDir);
const clientCert = process.env.PLUGIN_CLIENT_CERT;
if (!clientCert) {
  log('PLUGIN_CLIENT_CERT is not set; Terraform always sends one. Is this Terraform >= 0.12?');
  process.exit(1);
}
const credentials = grpc.ServerCredentials.createSsl(Buffer.from(clientCert), [{ private_key: tls.key, cert_chain: tls.cert }], true);

server.bindAsync(`unix://${socket}`, credentials, (err) => {
  if (err) {
    log(`could not listen on ${socket}: ${err.message}`);
    void shutdown(1);
    return;
  }
  process.stdout.write(handshakeLine(socket, tls.cert));
});

// Exit with the parent: a provider orphaned by a killed terraform must not linger.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(0);
}, 200);
