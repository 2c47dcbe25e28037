import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { redact, registerSecret, resetSecretsForTest } from '../../src/core/redact/index.js';

// The one redactor every outgoing string passes through. What it must hide: registered
// secrets in any encoding a tool between them and us may have applied, and passwords we
// never saw, by the shape of the text around them.

/** Registers without letting @actions/core's `::add-mask::` lines reach the test output; returns them. */
function register(...values: string[]): string[] {
  const writes: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
  try {
    for (const v of values) registerSecret(v);
  } finally {
    spy.mockRestore();
  }
  return writes.filter((w) => w.startsWith('::add-mask::')).map((w) => w.trim().slice('::add-mask::'.length));
}

/** Every `n`-character piece of `s`. */
const windows = (s: string, n = 4): string[] => Array.from({ length: Math.max(0, s.length - n + 1) }, (_, i) => s.slice(i, i + n));

/** Fails if the secret, or any 4-character piece of it, can be read in `out`, directly or by decoding what is left of a base64 run. */
function expectGone(out: string, secret: string): void {
  for (const w of windows(secret)) expect(out, `piece ${JSON.stringify(w)} left in ${JSON.stringify(out)}`).not.toContain(w);
  for (const piece of out.split('***')) {
    for (const run of piece.match(/[A-Za-z0-9+/_-]{4,}/g) ?? []) {
      for (let k = 0; k < 4; k++) {
        const bytes = Buffer.from(run.slice(k).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
        for (const w of windows(Buffer.from(secret).toString('latin1'))) expect(bytes, `base64 ${run} decodes to ${w}`).not.toContain(w);
      }
    }
  }
}

describe('redact: registered secrets', () => {
  afterEach(() => resetSecretsForTest());

  it('registers each form with core.setSecret so the runner masks what we never print ourselves', () => {
    const masks = register('p@ss/word+1=abcdef');
    expect(masks).toContain('p@ss/word+1=abcdef');
    // Workflow commands escape % as %25; the runner unescapes it before masking.
    const runner = (s: string): string => s.replace(/%/g, '%25');
    expect(masks).toContain(runner(encodeURIComponent('p@ss/word+1=abcdef')));
    expect(masks).toContain(runner('p%40ss%2fword%2b1%3dabcdef'));
    expect(masks).toContain('p@ss\\/word+1=abcdef');
    expect(masks).toContain('p@ss/word+1\\u003dabcdef'); // Gson's HTML-safe escaping
    // The stable base64 core at each of the three alignments.
    const bytes = Buffer.from('p@ss/word+1=abcdef');
    expect(masks).toContain(bytes.toString('base64'));
    expect(masks).toContain(bytes.subarray(1).toString('base64').slice(0, 22));
    expect(masks).toContain(bytes.subarray(2).toString('base64').slice(0, 21));
  });

  it('masks the longest secret first, so a secret containing another is hidden whole', () => {
    register('abcd', 'xxabcdyy');
    expect(redact('token=xxabcdyy')).toBe('token=***');
    expect(redact('see xxabcdyy.')).toBe('see ***.');
  });

  it('masks overlapping secrets as one, leaving no tail of either', () => {
    register('AAAA-BBBB-CCCC', 'CCCC-DDDD-EEEE');
    expect(redact('x AAAA-BBBB-CCCC-DDDD-EEEE y')).toBe('x *** y');
  });

  it('masks secrets that begin alike, wherever one of them stands alone', () => {
    // The same first 12 characters (where the search for a secret starts), and a short secret
    // that is the start of both.
    register('arn-session-0123456789-alpha', 'arn-session-0123456789-beta', 'arn-sess');
    expect(redact('a arn-session-0123456789-beta b')).toBe('a *** b');
    expect(redact('a arn-session-0123456789-alpha b')).toBe('a *** b');
    expect(redact('a arn-session-0123456789-gamma b')).toBe('a ***ion-0123456789-gamma b');
    expect(redact('a arn-sess b')).toBe('a *** b');
  });

  it('ignores values too short to be secrets, and empty values', () => {
    register('ab', '');
    registerSecret(undefined);
    expect(redact('ab cd')).toBe('ab cd');
  });

  it('a secret whose escapes decode to almost nothing is still masked as written', () => {
    register('%41%42%43');
    expect(redact('value %41%42%43 and ABC')).toBe('value *** and ABC');
  });

  it('a secret registered after a redact() call is still masked (no stale cache)', () => {
    register('first-secret');
    expect(redact('first-secret')).toBe('***');
    register('second-secret');
    expect(redact('first-secret second-secret')).toBe('*** ***');
  });

  it.each([0, 1, 2])('masks every base64 character that carries bits of a secret at payload offset %i, and only those', (offset) => {
    const secret = 'wJalr/XUtnFEMI+K7MDENG=bPxRfiCY<&>"k';
    register(secret);
    const payload = Buffer.concat([Buffer.from('xy'.slice(0, offset)), Buffer.from(secret), Buffer.from('tail!')]).toString('base64');
    // Characters are 6 bits: the first holding a bit of the secret, and the first after its last bit.
    const first = Math.floor((offset * 8) / 6);
    const after = Math.ceil(((offset + Buffer.byteLength(secret)) * 8) / 6);
    expect(redact(`payload ${payload} end`)).toBe(`payload ${payload.slice(0, first)}***${payload.slice(after)} end`);
  });

  it('masks a secret split by a line wrap in the middle of an escape-free run, keeping the line break', () => {
    register('ghs_0123456789abcdefghijklmnopqrstuvwxyz');
    expect(redact('token ghs_0123456789abcdef\n    ghijklmnopqrstuvwxyz used')).toBe('token ***\n    *** used');
  });
});

// ---------------------------------------------------------------------------------------
// The planted-secret sweep: every encoding × every context.

/** Shaped like the real ones and chosen to exercise every encoder: `/`, `+`, `=`, `<>&"`, a space, non-ASCII. */
const SECRETS = ['wJalr/XUtnFEMI+K7MDENG=bPxRfiCY<&>"k', 'Pässwörd mit Leer/zeichen+42'];

const hexLower = (s: string): string => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const json = (s: string): string => JSON.stringify(s).slice(1, -1);
const u = (chars: RegExp) => (s: string) => s.replace(chars, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const base64At = (offset: number, alphabet: 'std' | 'url') => (s: string) => {
  const b64 = Buffer.concat([Buffer.from('xy'.slice(0, offset)), Buffer.from(s), Buffer.from('tail!')]).toString('base64');
  return alphabet === 'std' ? b64 : b64.replace(/\+/g, '-').replace(/\//g, '_');
};

const ENCODINGS: [string, (s: string) => string][] = [
  ['raw', (s) => s],
  ['percent, upper-case hex', encodeURIComponent],
  ['percent, lower-case hex', (s) => hexLower(encodeURIComponent(s))],
  [
    'percent, mixed-case hex',
    (s) => encodeURIComponent(s).replace(/%([0-9A-F])([0-9A-F])/g, (_, a: string, b: string) => `%${a}${b.toLowerCase()}`),
  ],
  ['percent, RFC 3986', rfc3986],
  ['percent, Go QueryEscape (space as +)', (s) => rfc3986(s).replace(/%20/g, '+')],
  ['percent, twice', (s) => encodeURIComponent(encodeURIComponent(s))],
  ['percent, twice, lower-case hex', (s) => hexLower(encodeURIComponent(encodeURIComponent(s)))],
  ['JSON (JS)', json],
  ['JSON (Go, HTML-safe)', (s) => u(/[<>&]/g)(json(s))],
  ['JSON with \\/', (s) => json(s).replace(/\//g, '\\/')],
  ['JSON with \\u002f and \\u003d', (s) => u(/[/=]/g)(json(s))],
  ['JSON, every character \\u-escaped', (s) => u(/[^]/g)(s)],
  ['JSON inside JSON', (s) => json(json(s))],
  ['HTML entities', (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')],
  ['base64 at offset 0', base64At(0, 'std')],
  ['base64 at offset 1', base64At(1, 'std')],
  ['base64 at offset 2', base64At(2, 'std')],
  ['URL-safe base64 at offset 0', base64At(0, 'url')],
  ['URL-safe base64 at offset 1', base64At(1, 'url')],
  ['URL-safe base64 at offset 2', base64At(2, 'url')],
  ['base64 wrapped at 16 columns', (s) => base64At(1, 'std')(s).replace(/.{16}/g, '$&\n')],
];

/** [name, build(encoded, where to cut it for a wrap) → text, text that must survive]. */
const CONTEXTS: [string, (x: string, cut: number) => string, string[]][] = [
  ['inside a sentence', (x) => `the value ${x} was rejected`, ['the value ', ' was rejected']],
  ['at line start', (x) => `first line\n${x} rejected`, ['first line\n', ' rejected']],
  ['at line end', (x) => `rejected: ${x}\nnext line`, ['rejected: ', '\nnext line']],
  [
    'inside JSON',
    (x) => `{"@level":"error","@message":"value ${x} here","n":1}`,
    ['{"@level":"error","@message":"value ', ' here","n":1}'],
  ],
  [
    'inside an HCL diagnostic detail',
    (x) => `{"diagnostic":{"summary":"Atlas failed","detail":"Error: connect to \\"${x}\\": refused\\n\\n  with atlas_schema.app"}}`,
    ['"detail":"Error: connect to \\"', '\\": refused\\n\\n  with atlas_schema.app"}}'],
  ],
  ['split across lines, indented', (x, c) => `value ${x.slice(0, c)}\n      ${x.slice(c)} end`, ['value ', '\n      ', ' end']],
  ['split across lines, CRLF', (x, c) => `value ${x.slice(0, c)}\r\n${x.slice(c)} end`, ['value ', '\r\n', ' end']],
  [
    'split across lines, JSON-escaped',
    (x, c) => `"detail":"value ${x.slice(0, c)}\\n  ${x.slice(c)} end"`,
    ['"detail":"value ', '\\n  ', ' end"'],
  ],
  ['split across lines, Terraform gutter', (x, c) => `│ value ${x.slice(0, c)}\n│ ${x.slice(c)} end`, ['│ value ', '\n│ ', ' end']],
];

/** Where to wrap an encoded secret: after its 9th character, or earlier so that no escape is cut in two. */
function cutOf(encoded: string): number {
  for (const m of encoded.matchAll(/%(?:25)?[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\.|&#?[a-z0-9]+;/g)) {
    if (m.index < 9 && m.index + m[0].length > 9) return m.index;
  }
  return 9;
}

describe('redact: planted-secret sweep (registered secrets)', () => {
  beforeEach(() => register(...SECRETS));
  afterEach(() => resetSecretsForTest());

  const cases = SECRETS.flatMap((secret, i) =>
    ENCODINGS.flatMap(([encoding, encode]) =>
      CONTEXTS.map(([context, build, kept]) => ({ secret: i, encoding, encode, context, build, kept })),
    ),
  );
  it.each(cases)('secret $secret, $encoding, $context', ({ secret: i, encode, build, kept }) => {
    const secret = SECRETS[i]!;
    const encoded = encode(secret);
    const text = build(encoded, cutOf(encoded));
    const out = redact(text);
    expect(out).toContain('***');
    expect(out).not.toContain(encoded);
    expectGone(out, secret);
    for (const k of kept) expect(out).toContain(k);
    expect(redact(out)).toBe(out);
  });
});

// ---------------------------------------------------------------------------------------
// Secrets we never saw (Atlas fetches the RDS master password itself), caught by form.

/** Never registered. No piece of it occurs in any form or context below. */
const PW = 'Hx7Qz-Kp2Vw9-Lm4Rt8Nb';
const SIG = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';

/** [name, the text with the secret in it, the secret, text around it that must survive]. */
const FORMS: [string, string, string, string[]][] = [
  ['libpq password=', `host=db user=postgres password=${PW} sslmode=require`, PW, ['host=db user=postgres password=', ' sslmode=require']],
  ['password: (YAML, logfmt)', `user: app password: ${PW} host: db`, PW, ['user: app password: ', ' host: db']],
  ['password = (HCL)', `password = "${PW}"`, PW, ['password = "', '"']],
  ['PASSWORD= upper case', `PASSWORD=${PW}`, PW, ['PASSWORD=']],
  ['libpq quoted value with a space and ;', `password='p w;${PW}' dbname=app`, PW, ["password='", "' dbname=app"]],
  ['JSON "password":"…"', `{"user":"app","password":"${PW}","host":"db"}`, PW, ['{"user":"app","password":"', '","host":"db"}']],
  ['JSON "password": "…" with an escaped quote inside', `{"password": "a\\"${PW}"}`, PW, ['{"password": "', '"}']],
  [
    'JSON-escaped \\"password\\":\\"…\\"',
    `detail: "{\\"password\\":\\"${PW}\\",\\"user\\":\\"app\\"}"`,
    PW,
    ['{\\"password\\":\\"', '\\",\\"user\\":\\"app\\"}"'],
  ],
  ['PGPASSWORD=', `env PGPASSWORD=${PW} psql`, PW, ['env PGPASSWORD=', ' psql']],
  ['DB_PASSWORD=', `DB_PASSWORD=${PW}`, PW, ['DB_PASSWORD=']],
  ['MYSQL_PWD=', `MYSQL_PWD=${PW}`, PW, ['MYSQL_PWD=']],
  ['AWS_SESSION_TOKEN=', `AWS_SESSION_TOKEN=${PW} AWS_REGION=us-east-1`, PW, ['AWS_SESSION_TOKEN=', ' AWS_REGION=us-east-1']],
  ['AWS_SECRET_ACCESS_KEY=', `AWS_SECRET_ACCESS_KEY=${PW}`, PW, ['AWS_SECRET_ACCESS_KEY=']],
  ['GITHUB_TOKEN: (YAML)', `GITHUB_TOKEN: ${PW}`, PW, ['GITHUB_TOKEN: ']],
  ['TF_TOKEN_ host env', `TF_TOKEN_app_terraform_io=${PW}`, PW, []],
  [
    '"SecretAccessKey": (AWS JSON)',
    `{"AccessKeyId":"x","SecretAccessKey":"${PW}","SessionToken":"${PW}z"}`,
    PW,
    ['"SecretAccessKey":"', '"AccessKeyId":"x"'],
  ],
  ['--password= flag', `atlas --password=${PW} --url x`, PW, ['atlas --password=', ' --url x']],
  [
    'Go struct %+v',
    `config: &{Host:db Port:5432 User:app Password:${PW} Database:app}`,
    PW,
    ['&{Host:db Port:5432 User:app Password:', ' Database:app}'],
  ],
  ['Go struct %+v, password with spaces', `&{User:app Password:a b ${PW} Database:app}`, PW, ['&{User:app Password:', ' Database:app}']],
  ['Go struct %#v', `&Config{User:"app", Password:"${PW}"}`, PW, ['&Config{User:"app", Password:"', '"}']],
  ['Go MySQL DSN', `dial app:${PW}@tcp(db:3306)/app failed`, PW, ['dial app:', '@tcp(db:3306)/app failed']],
  [
    'Go MySQL DSN, unencoded @ / : in the password',
    `dial app:${PW}@/:@tcp(db:3306)/app failed`,
    PW,
    ['dial app:', '@tcp(db:3306)/app failed'],
  ],
  ['URL', `postgres://app:${PW}@db:5432/app?sslmode=require`, PW, ['postgres://app:', '@db:5432/app?sslmode=require']],
  ['URL, unencoded @ / : in the password', `postgres://app:${PW}@/:x@db:5432/app`, PW, ['postgres://app:', '@db:5432/app']],
  ['URL, password with a space and a quote', `postgres://app:p w"${PW}@db/app: refused`, PW, ['postgres://app:', '@db/app: refused']],
  ['URL, JSON-escaped slashes', `"url":"postgres:\\/\\/app:${PW}@db\\/app"`, PW, ['"url":"postgres:\\/\\/app:', '@db\\/app"']],
  [
    'SigV4 Authorization header',
    `Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261126/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`,
    SIG,
    ['Authorization: AWS4-HMAC-SHA256 Credential=', ', SignedHeaders=host;x-amz-date, Signature='],
  ],
  ['presigned URL', `https://db/?Action=connect&X-Amz-Signature=${SIG}&X-Amz-Date=20261126T000000Z`, SIG, ['&X-Amz-Date=20261126T000000Z']],
  [
    'JSON-escaped presigned URL (\\u0026)',
    `{"url":"https://db/?Action=connect\\u0026X-Amz-Signature=${SIG}\\u0026X-Amz-Expires=900"}`,
    SIG,
    ['\\u0026X-Amz-Signature=', '\\u0026X-Amz-Expires=900"}'],
  ],
  [
    'X-Amz-Security-Token, percent-encoded',
    `X-Amz-Security-Token=IQoJ${PW}%2F%2B%3D&X-Amz-Date=1`,
    PW,
    ['X-Amz-Security-Token=', '&X-Amz-Date=1'],
  ],
  [
    'presigned URL inside a query parameter',
    `next=https%3A%2F%2Fdb%2F%3FX-Amz-Signature%3D${SIG}`,
    SIG,
    ['next=https%3A%2F%2Fdb%2F%3FX-Amz-Signature%3D'],
  ],
  ['Authorization: Bearer', `Authorization: Bearer ${PW}`, PW, ['Authorization: Bearer ']],
  ['SQL PASSWORD literal', `ALTER ROLE "app" WITH LOGIN PASSWORD 'it''s ${PW}';`, PW, [`ALTER ROLE "app" WITH LOGIN PASSWORD '`, `';`]],
];

const FORM_CONTEXTS: [string, (x: string) => string, (x: string) => string[]][] = [
  ['inside a sentence', (x) => `Atlas said: ${x} (retrying)`, () => ['Atlas said: ', ' (retrying)']],
  ['at line start', (x) => `first\n${x}\nlast`, () => ['first\n', '\nlast']],
  ['at line end', (x) => `first\nerror: ${x}`, () => ['first\nerror: ']],
  [
    'inside JSON',
    (x) => `{"@message":${JSON.stringify(`Error: ${x}`)},"@level":"error"}`,
    () => ['{"@message":"Error: ', '","@level":"error"}'],
  ],
  [
    'inside an HCL diagnostic detail',
    (x) => JSON.stringify({ diagnostic: { detail: `Error: ${x}\n\n  on atlas.hcl line 3:\n   3:   url = "${x}"` } }),
    () => ['{"diagnostic":{"detail":"Error: ', '\\n\\n  on atlas.hcl line 3:\\n   3:   url = \\"'],
  ],
];

describe('redact: planted-secret sweep (secrets never registered, caught by form)', () => {
  const cases = FORMS.flatMap(([form, text, secret, kept]) =>
    FORM_CONTEXTS.map(([context, wrap, around]) => ({
      form,
      context,
      text: wrap(text),
      secret,
      kept: [...kept, ...around(text)],
      plain: context !== 'inside JSON' && context !== 'inside an HCL diagnostic detail',
    })),
  );
  it.each(cases)('$form, $context', ({ text, secret, kept, plain }) => {
    const out = redact(text);
    expectGone(out, secret);
    // The text around survives (JSON contexts escape it, so only the context's own frame is checked there).
    for (const k of plain ? kept : kept.slice(-2)) expect(out).toContain(k);
    expect(redact(out)).toBe(out);
  });
});

describe('redact: what is not a secret stays', () => {
  afterEach(() => resetSecretsForTest());

  it.each([
    ['a grant to a role', 'GRANT SELECT, INSERT ON TABLE "public"."t_000001" TO "app_reader";'],
    ['password_encryption', "ALTER SYSTEM SET password_encryption = 'scram-sha-256'; -- password_encryption=scram-sha-256"],
    [
      'the word password in prose',
      'FATAL: password authentication failed for user "atlas_migrator" (SQLSTATE 28P01); rotate the password regularly.',
    ],
    ['a Postgres prompt', 'Password for user postgres:'],
    ['RDS role names', 'role "rds_password" {\n  external = true\n}\nGRANT "rds_password" TO "app";\nmember_of = [role.rds_password]'],
    ['a token in a parse error', 'Invalid expression: unexpected token: } while parsing; token: here'],
    ['a secret named in prose', 'failed to read secret: AccessDenied; fetching secret arn:aws:secretsmanager:us-east-1:1:secret:db'],
    ['signature prose and SigV4 names', 'Signature verification failed; SignedHeaders=host;x-amz-date X-Amz-Date=20261126T000000Z'],
    ['URLs without a password', 'see https://atlasgo.io/dev-database and postgres://atlas_migrator@h/db and https://example.com/a@b'],
    ['a host and port, then an e-mail', 'http://localhost:8080 is down; mail admin@example.com'],
    [
      'the seed atlas.hcl interpolation',
      'url = "postgres://${jsondecode(data.runtimevar.master_secret).username}:${urlescape(jsondecode(data.runtimevar.master_secret).password)}@${var.endpoint}/${var.database_name}?sslmode=require"',
    ],
    ['an interpolated password', 'password = "${var.db_password}" and PGPASSWORD=${{ secrets.PG }}'],
    ['placeholders', '{"githubToken":"(set)","password":"(sensitive value)"} password = (sensitive value)'],
    [
      'AWS error codes',
      'InvalidIdentityToken: Incorrect token audience; ExpiredToken: The security token included in the request is expired',
    ],
    ['a workflow permissions block', 'permissions:\n  id-token: write\n  contents: read'],
    [
      'a workflow expression in a Markdown code span',
      'Add `ariga/setup-atlas@v0` with `cloud-token: ${{ secrets.ATLAS_CLOUD_TOKEN }}` first.',
    ],
    ['base64-looking SQL identifiers', 'CREATE TABLE "QUJDREVGR0hJSktM" ("aGVsbG8gd29ybGQ" bigint, "d0phbHIvWFV0bkZF" text);'],
    ['a SQL PASSWORD NULL', 'ALTER ROLE "app" PASSWORD NULL;'],
  ])('%s', (_name, text) => {
    // Registered secrets whose base64 cores start like the last identifier above (11 characters of it).
    register(...SECRETS);
    expect(redact(text)).toBe(text);
  });
});

describe('redact: hostile input', () => {
  afterEach(() => resetSecretsForTest());

  const MiB = 1 << 20;
  const line = (unit: string): string => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
  it.each([
    'password=',
    'password: ',
    '"password":"',
    '\\"password\\":\\"',
    'Password:x ',
    'token_',
    'a://b:',
    'a://b:x ',
    'postgres://u:p w"x ',
    '@tcp(',
    'x:@tcp(',
    "PASSWORD '",
    '\\u0026X-Amz-Signature=',
    'ASIA',
    '%25',
    '\\',
    '\\n  ',
    'authorization: bearer ',
    'QUJD',
  ])('a 1 MiB line of %j is redacted in linear time', (unit) => {
    register(...SECRETS);
    const time = (text: string): number => {
      const t = performance.now();
      redact(text);
      return performance.now() - t;
    };
    // Against 1 MiB of ordinary log text timed alongside, so that a loaded machine slows both
    // (the slower of two runs, against the faster of two): linear work stays within a small
    // multiple of it (≤ 25× measured); a quadratic scan is a thousand times slower.
    const plain = line('2026-11-26T21:49:25Z [INFO] planning statement 12 on "public"."t_12" ok\n');
    const ordinary = Math.max(time(plain), time(plain));
    const hostile = line(unit);
    expect(Math.min(time(hostile), time(hostile))).toBeLessThan(100 * ordinary + 300);
  });
});
