import { afterEach, describe, expect, it, vi } from 'vitest';
import { redact, registerSecret, resetSecretsForTest } from '../../src/redact.js';

// The one redactor every outgoing string passes through. What it must hide: registered
// secrets in raw and URL-encoded form, passwords inside URLs, AWS presigned parameters.

describe('redact', () => {
  afterEach(() => resetSecretsForTest());

  it('masks a registered secret in raw, URL-encoded and double-encoded form', () => {
    const secret = 'wJalr/XUtnFEMI+K7MDENG=bPxRfiCY';
    registerSecret(secret);
    const text = [`raw ${secret}`, `enc ${encodeURIComponent(secret)}`, `twice ${encodeURIComponent(encodeURIComponent(secret))}`].join(
      '\n',
    );
    const out = redact(text);
    expect(out).toBe('raw ***\nenc ***\ntwice ***');
  });

  it('registers each form with core.setSecret so the runner masks what we never print ourselves', () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      registerSecret('p@ss/word+1');
    } finally {
      spy.mockRestore();
    }
    const masks = writes.filter((w) => w.startsWith('::add-mask::')).map((w) => w.trim());
    expect(masks).toContain('::add-mask::p@ss/word+1');
    // Workflow commands escape % as %25; the runner unescapes it before masking.
    expect(masks).toContain(`::add-mask::${encodeURIComponent('p@ss/word+1').replace(/%/g, '%25')}`);
  });

  it('masks the longest secret first, so a secret containing another is hidden whole', () => {
    registerSecret('abcd');
    registerSecret('xxabcdyy');
    expect(redact('token=xxabcdyy')).toBe('token=***');
  });

  it('ignores values too short to be secrets, and empty values', () => {
    registerSecret('ab');
    registerSecret('');
    registerSecret(undefined);
    expect(redact('ab cd')).toBe('ab cd');
  });

  it('masks the password of a connection URL even when it was never registered', () => {
    expect(redact('dial postgres://postgres:S3cr3t%40x@db.example.com:5432/appdb?sslmode=require failed')).toBe(
      'dial postgres://postgres:***@db.example.com:5432/appdb?sslmode=require failed',
    );
    // An unencoded password holding @, / and : is masked whole, up to the host.
    expect(redact('postgres://postgres:p@ss/w:rd@127.0.0.1:5432/appdb: refused')).toBe(
      'postgres://postgres:***@127.0.0.1:5432/appdb: refused',
    );
    // Two URLs on one line each keep their host.
    expect(redact('a postgres://u:x1@h1/db and mysql://v:y2@h2/db')).toBe('a postgres://u:***@h1/db and mysql://v:***@h2/db');
  });

  it('masks keyword-style passwords of libpq and Go connection strings', () => {
    expect(redact('dial host=db port=5432 user=postgres password=S3cr3t sslmode=require: refused')).toBe(
      'dial host=db port=5432 user=postgres password=*** sslmode=require: refused',
    );
    expect(redact("connect: user=postgres password='a b;c' dbname=appdb")).toBe('connect: user=postgres password=*** dbname=appdb');
    expect(redact('jdbc:postgresql://h/db?user=u&password=p%40ss&ssl=true')).toBe('jdbc:postgresql://h/db?user=u&password=***&ssl=true');
  });

  it('leaves URLs without a password alone', () => {
    const text = 'see https://atlasgo.io/dev-database and postgres://atlas_migrator@h/db and https://example.com/a@b';
    expect(redact(text)).toBe(text);
  });

  it('masks AWS presigned parameters, such as those of an RDS IAM token', () => {
    const token =
      'db.example.com:5432/?Action=connect&DBUser=atlas_migrator&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLEEXAMPLE12%2F20261126%2Fus-east-1%2Frds-db%2Faws4_request&X-Amz-Date=20261126T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F&X-Amz-Signature=0123456789abcdef&X-Amz-SignedHeaders=host';
    const out = redact(`error with token ${token}`);
    expect(out).toContain('X-Amz-Credential=***');
    expect(out).toContain('X-Amz-Security-Token=***');
    expect(out).toContain('X-Amz-Signature=***');
    expect(out).not.toContain('0123456789abcdef');
    expect(out).not.toContain('IQoJb3JpZ2luX2VjEJr');
    // What is not secret stays readable for debugging.
    expect(out).toContain('DBUser=atlas_migrator');
    expect(out).toContain('X-Amz-Expires=900');
  });

  it('masks AWS access key ids', () => {
    expect(redact('key ASIAQWERTYUIOPASDFGH and AKIAIOSFODNN7EXAMPLE')).toBe('key *** and ***');
  });

  it('a secret registered after a redact() call is still masked (no stale cache)', () => {
    registerSecret('first-secret');
    expect(redact('first-secret')).toBe('***');
    registerSecret('second-secret');
    expect(redact('first-secret second-secret')).toBe('*** ***');
  });
});
