import { connect, createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

// What RDS does at the door, in front of a PostgreSQL that listens only on its unix socket.
// Clients (and IAM tokens) know only this front's 127.0.0.1:<port>. It requires TLS (answers
// SSLRequest with 'S'; a plain login is refused as RDS with rds.force_ssl refuses it), says
// 'N' to GSSENCRequest, keeps rdsadmin out, and for members of rds_iam asks for a cleartext
// password and checks it as an IAM token, refusing with RDS's own PAM message. Everyone else
// is relayed to the socket as is: PostgreSQL runs its own SCRAM exchange, the front only pipes
// bytes. CancelRequests are passed on (the backend keys the client holds are the server's).
//
// The server's pg_hba.conf trusts rds_iam members on the socket, so the front looks at one
// message of every hand-off: after a token the server must say AuthenticationOk, and for a
// relayed login it must not (it must ask for the password itself). Whatever else happens,
// nobody gets in without a password or a valid token.

export interface RdsFrontOptions {
  /** The server's socket file, <unix_socket_directories>/.s.PGSQL.<port>. */
  socketPath: string;
  tls: { key: string; cert: string };
  /** Does RDS ask this user for an IAM token? (A member of rds_iam.) */
  isIamUser(user: string): Promise<boolean>;
  /** Is `password` a valid IAM token for `user` at this front's endpoint? */
  verifyToken(user: string, password: string, endpoint: { host: string; port: number }): Promise<boolean>;
}

export interface RdsFront {
  host: string;
  port: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 3;
const MAX_STARTUP_PACKET = 10_000; // PostgreSQL's own limit
const MAX_PASSWORD_PACKET = 65_535;
const AUTH_OK = 0;
const AUTH_CLEARTEXT = 3;

export async function startRdsFront(opts: RdsFrontOptions): Promise<RdsFront> {
  const secureContext = createSecureContext({ key: opts.tls.key, cert: opts.tls.cert });
  const sockets = new Set<Socket>();
  const track = <S extends Socket>(s: S): S => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined); // a client hanging up mid-way is not our failure
    return s;
  };
  let port = 0;

  const serve = async (raw: Socket): Promise<void> => {
    let client: Socket = raw;
    let reader = new Reader(raw);
    let tls = false;
    for (;;) {
      const length = (await reader.take(4)).readInt32BE(0);
      if (length < 8 || length > MAX_STARTUP_PACKET) return void client.destroy();
      const packet = await reader.take(length - 4);
      const code = packet.readInt32BE(0);
      if (code === SSL_REQUEST && !tls) {
        // Bytes sent before the answer would bypass TLS (CVE-2021-23214): hang up, as PostgreSQL does.
        if (reader.detach().length > 0) return void client.destroy();
        raw.write('S');
        client = track(new TLSSocket(raw, { isServer: true, secureContext }));
        reader = new Reader(client);
        tls = true;
      } else if (code === GSSENC_REQUEST && !tls) {
        client.write('N');
      } else if (code === CANCEL_REQUEST) {
        const backend = track(connect(opts.socketPath));
        backend.end(Buffer.concat([int32(length), packet]));
        return void client.end();
      } else if (code >> 16 === PROTOCOL_3) {
        return login(client, reader, Buffer.concat([int32(length), packet]), startupParams(packet.subarray(4)), tls);
      } else {
        return fatal(client, '08P01', `unsupported frontend protocol ${code >> 16}.${code & 0xffff}: server supports 3.0 to 3.0`);
      }
    }
  };

  const login = async (client: Socket, reader: Reader, startup: Buffer, params: Map<string, string>, tls: boolean): Promise<void> => {
    const user = params.get('user') ?? '';
    const database = params.get('database') || user;
    if (!user) return fatal(client, '28000', 'no PostgreSQL user name specified in startup packet');
    const who = `host "${HOST}", user "${user}", database "${database}"`;
    if (!tls) return fatal(client, '28000', `no pg_hba.conf entry for ${who}, no encryption`);
    // RDS's own superuser is not reachable from outside; here it is the harness's admin on the socket.
    if (user === 'rdsadmin') return fatal(client, '28000', `pg_hba.conf rejects connection for ${who}, SSL encryption`);

    const iam = await opts.isIamUser(user);
    if (iam) {
      client.write(Buffer.concat([Buffer.from('R'), int32(8), int32(AUTH_CLEARTEXT)]));
      const type = (await reader.take(1)).toString('latin1');
      const length = (await reader.take(4)).readInt32BE(0);
      if (type !== 'p') return fatal(client, '08P01', `expected password response, got message type ${type.charCodeAt(0)}`);
      if (length < 5 || length > MAX_PASSWORD_PACKET) return fatal(client, '08P01', 'invalid password packet size');
      const body = await reader.take(length - 4);
      const password = body.subarray(0, Math.max(0, body.indexOf(0))).toString('utf8');
      if (!(await opts.verifyToken(user, password, { host: HOST, port }))) {
        return fatal(client, '28000', `PAM authentication failed for user "${user}"`);
      }
    }
    const backend = track(connect(opts.socketPath));
    backend.write(Buffer.concat([startup, reader.detach()]));
    const answer = new Reader(backend);
    const seen: Buffer[] = [];
    for (;;) {
      const header = await answer.take(5);
      const body = await answer.take(header.readInt32BE(1) - 4);
      seen.push(header, body);
      const type = String.fromCharCode(header[0] as number);
      if (type === 'v') continue; // NegotiateProtocolVersion comes before authentication
      const authOk = type === 'R' && body.length >= 4 && body.readInt32BE(0) === AUTH_OK;
      if (type === 'R' && authOk !== iam) {
        backend.destroy();
        const why = iam ? 'asked for a password after the IAM token was accepted' : 'let the user in without a password';
        return fatal(
          client,
          '28000',
          `the RDS front refused the login of "${user}": the server ${why} (pg_hba.conf and the front disagree)`,
        );
      }
      break;
    }
    client.write(Buffer.concat([...seen, answer.detach()]));
    client.pipe(backend);
    backend.pipe(client);
    // end(), not destroy(): what one side sent last (an ErrorResponse) must still reach the other.
    client.once('close', () => backend.end());
    backend.once('close', () => client.end());
    if (backend.readableEnded || backend.destroyed) client.end(); // it hung up while we read its answer
  };

  const server: Server = createServer((raw) => {
    track(raw);
    serve(raw).catch(() => raw.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  let stopping: Promise<void> | undefined;
  return {
    host: HOST,
    port,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return stopping;
    },
  };
}

function fatal(client: Socket, code: string, message: string): void {
  const field = (tag: string, value: string): Buffer => Buffer.concat([Buffer.from(tag), Buffer.from(value, 'utf8'), Buffer.from([0])]);
  const fields = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  client.end(Buffer.concat([Buffer.from('E'), int32(fields.length + 4), fields]));
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** The StartupMessage's name/value pairs. */
function startupParams(body: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  const parts = body.toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i] as string, parts[i + 1] as string);
  return params;
}

/** Exact-length reads from a socket, until `detach` hands the socket (and any unread bytes) on. */
class Reader {
  private buffered = Buffer.alloc(0);
  private waiting: { n: number; resolve(b: Buffer): void; reject(e: Error): void } | undefined;
  private ended: Error | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.settle();
  };
  private readonly onEnd = (): void => {
    this.ended = new Error('connection closed');
    this.settle();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  take(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { n, resolve, reject };
      this.settle();
    });
  }

  /** Stops reading; returns what arrived but was not taken. */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }

  private settle(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.buffered.length >= w.n) {
      this.waiting = undefined;
      const out = this.buffered.subarray(0, w.n);
      this.buffered = this.buffered.subarray(w.n);
      w.resolve(out);
    } else if (this.ended) {
      this.waiting = undefined;
      w.reject(this.ended);
    }
  }
}
