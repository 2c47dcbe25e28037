import { afterEach, describe, expect, it } from 'vitest';
import { endpointParts, signRdsToken } from '../../src/aws/rds-token.js';
import { redact, resetSecretsForTest } from '../../src/core/redact/index.js';

const credentials = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'secret/with+special=chars0123456789abcd',
  sessionToken: 'FwoGZXIvYXdzEXAMPLE/session+token==',
};

afterEach(() => resetSecretsForTest());

describe('signRdsToken', () => {
  it('produces a presigned connect URL for host:port without a scheme', async () => {
    const token = await signRdsToken({
      endpoint: 'mydb.abc123.us-east-1.rds.amazonaws.com:5432',
      user: 'atlas_migrator',
      region: 'us-east-1',
      credentials,
    });

    expect(token.startsWith('mydb.abc123.us-east-1.rds.amazonaws.com:5432/?')).toBe(true);
    const query = new URLSearchParams(token.slice(token.indexOf('?') + 1));
    expect(query.get('Action')).toBe('connect');
    expect(query.get('DBUser')).toBe('atlas_migrator');
    expect(query.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(query.get('X-Amz-Credential')).toMatch(/^ASIAEXAMPLEEXAMPLE12\/\d{8}\/us-east-1\/rds-db\/aws4_request$/);
    expect(query.get('X-Amz-Expires')).toBe('900');
    expect(query.get('X-Amz-SignedHeaders')).toBe('host');
    expect(query.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('round-trips through encodeURIComponent into a postgres:// URL', async () => {
    const token = await signRdsToken({ endpoint: 'db.example.internal:6543', user: 'atlas_migrator', region: 'eu-west-1', credentials });

    const url = new URL(`postgres://atlas_migrator:${encodeURIComponent(token)}@db.example.internal:6543/appdb?sslmode=require`);

    expect(decodeURIComponent(url.password)).toBe(token);
    expect(url.hostname).toBe('db.example.internal');
    expect(url.port).toBe('6543');
    expect(url.pathname).toBe('/appdb');
    expect(url.searchParams.get('sslmode')).toBe('require');
  });

  it('masks the token, raw and URL-encoded, before returning it', async () => {
    const token = await signRdsToken({ endpoint: 'db.example.internal:5432', user: 'atlas_migrator', region: 'us-east-1', credentials });

    const line = `password=${token} url=postgres://u:${encodeURIComponent(token)}@h/db`;
    expect(redact(line)).not.toContain(token);
    expect(redact(line)).not.toContain(encodeURIComponent(token));
  });

  it('signs for the exact port, so a token for another port differs', async () => {
    const a = await signRdsToken({ endpoint: 'db.example.internal:5432', user: 'u1', region: 'us-east-1', credentials });
    const b = await signRdsToken({ endpoint: 'db.example.internal:5433', user: 'u1', region: 'us-east-1', credentials });
    expect(a.startsWith('db.example.internal:5432/')).toBe(true);
    expect(b.startsWith('db.example.internal:5433/')).toBe(true);
  });
});

describe('endpointParts', () => {
  it('splits host and port and defaults the port to 5432', () => {
    expect(endpointParts('mydb.x.rds.amazonaws.com:5433')).toEqual({ host: 'mydb.x.rds.amazonaws.com', port: 5433 });
    // The same rule as the db-endpoint input: the port is required.
    expect(() => endpointParts('mydb.x.rds.amazonaws.com')).toThrow(/db-endpoint/);
    expect(endpointParts('[::1]:5432')).toEqual({ host: '::1', port: 5432 });
  });

  it('names the input and the expected form when the endpoint is malformed', () => {
    expect(() => endpointParts('postgres://mydb:5432')).toThrow(/Input "db-endpoint" must be host:port.*got "postgres:\/\/mydb:5432"/);
    expect(() => endpointParts('mydb:99999')).toThrow(/db-endpoint/);
    expect(() => endpointParts('')).toThrow(/db-endpoint/);
  });
});
