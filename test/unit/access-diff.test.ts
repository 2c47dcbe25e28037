import { beforeAll, describe, expect, it } from 'vitest';
import { accessChangesJson, planAccess, PRIV, type AccessSnapshot, type PlannedStatement } from '../../src/access/index.js';
import { loadPgParser, type ParseBytes } from '../../src/atlas/pg-parser.js';

// The access diff as the `access-changes` output shows it, for the cases the issue names. The
// model's agreement with PostgreSQL is proven by test/harness/access-oracle.test.ts.

let parse: ParseBytes;
beforeAll(async () => {
  parse = await loadPgParser();
});

function planned(sql: string[]): PlannedStatement[] {
  return sql.map((s) => {
    const r = parse(new TextEncoder().encode(s));
    return { sql: s, nodes: r.ok ? r.stmts.flatMap((x) => (x.stmt ? [x.stmt] : [])) : undefined };
  });
}

const role = (name: string, login = false) => ({
  name,
  superuser: false,
  inherit: true,
  createrole: false,
  createdb: false,
  login,
  replication: false,
  bypassrls: false,
});
const member = (r: string, m: string) => ({ role: r, member: m, grantor: 'rdsadmin', admin: false, inherit: true, set: true });

/** migrator (the plan's user) owns schema app and table app.orders; readers has SELECT; app1, app2 log in and are readers. */
function snapshot(): AccessSnapshot {
  return {
    serverVersionNum: 170004,
    database: 'appdb',
    currentUser: 'migrator',
    bootstrapSuperuser: 'rdsadmin',
    roles: [
      role('rdsadmin'),
      role('migrator', true),
      role('readers'),
      role('app1', true),
      role('app2', true),
      role('rds_superuser'),
      role('rds_iam'),
    ].map((r) => (r.name === 'rdsadmin' ? { ...r, superuser: true } : r)),
    memberships: [member('readers', 'app1'), member('readers', 'app2'), member('rds_superuser', 'migrator')],
    objects: [
      {
        kind: 'database',
        schema: '',
        name: 'appdb',
        owner: 'migrator',
        acl: [{ grantee: 'migrator', grantor: 'migrator', privs: PRIV.CONNECT | PRIV.CREATE | PRIV.TEMPORARY, grantable: 0 }],
      },
      {
        kind: 'schema',
        schema: '',
        name: 'app',
        owner: 'migrator',
        acl: [
          { grantee: 'migrator', grantor: 'migrator', privs: PRIV.USAGE | PRIV.CREATE, grantable: 0 },
          { grantee: 'readers', grantor: 'migrator', privs: PRIV.USAGE, grantable: 0 },
        ],
      },
      {
        kind: 'table',
        schema: 'app',
        name: 'orders',
        owner: 'migrator',
        acl: [
          { grantee: 'migrator', grantor: 'migrator', privs: 0xff, grantable: 0 },
          { grantee: 'readers', grantor: 'migrator', privs: PRIV.SELECT, grantable: 0 },
        ],
      },
    ],
    defaultAcls: [],
  };
}

describe('access diff', () => {
  it('a login given a group gains the group’s privileges via it', () => {
    const sql = 'GRANT readers TO "new login"';
    const before = snapshot();
    before.roles.push(role('new login', true));
    const diff = planAccess(before, planned([sql]));
    expect(accessChangesJson(diff.changes)).toEqual(
      expect.arrayContaining([
        { role: 'new login', change: 'gains', privilege: 'MEMBER', object: 'readers', via: 'membership', statement: sql },
        { role: 'new login', change: 'gains', privilege: 'SELECT', object: 'app.orders', via: 'member of readers', statement: sql },
        { role: 'new login', change: 'gains', privilege: 'USAGE', object: 'app', via: 'member of readers', statement: sql },
      ]),
    );
  });

  it('a REVOKE from a group is lost by both of its login members', () => {
    const sql = 'REVOKE SELECT ON app.orders FROM readers';
    const rows = accessChangesJson(planAccess(snapshot(), planned([sql])).changes);
    expect(rows).toEqual([
      { role: 'app1', change: 'loses', privilege: 'SELECT', object: 'app.orders', via: 'member of readers', statement: sql },
      { role: 'app2', change: 'loses', privilege: 'SELECT', object: 'app.orders', via: 'member of readers', statement: sql },
      { role: 'readers', change: 'loses', privilege: 'SELECT', object: 'app.orders', via: 'direct grant', statement: sql },
    ]);
  });

  it('a REVOKE that leaves the privilege reachable changes nothing and says how it is still held', () => {
    const before = snapshot();
    before.objects[2]!.acl.push({ grantee: 'app1', grantor: 'migrator', privs: PRIV.SELECT, grantable: 0 });
    const sql = 'REVOKE SELECT ON app.orders FROM app1';
    const diff = planAccess(before, planned([sql]));
    expect(diff.changes).toEqual([]);
    expect(diff.retained).toEqual([
      { role: 'app1', privilege: 'SELECT', object: 'app.orders', via: 'member of readers', statement: sql, statementIndex: 0 },
    ]);
  });

  it('GRANT rds_superuser, grants to PUBLIC and WITH GRANT OPTION widen access', () => {
    const sql = [
      'GRANT rds_superuser TO app1',
      'GRANT ALL ON TABLE app.orders TO PUBLIC',
      'GRANT UPDATE ON app.orders TO app2 WITH GRANT OPTION',
    ];
    const widening = planAccess(snapshot(), planned(sql))
      .changes.filter((c) => c.widening)
      .map((c) => [c.role, c.privilege, c.widening]);
    expect(widening).toEqual(
      expect.arrayContaining([
        ['app1', 'MEMBER', 'rds_superuser membership'],
        ['PUBLIC', 'SELECT', 'granted to PUBLIC'],
        ['app2', 'UPDATE WITH GRANT OPTION', 'WITH GRANT OPTION'],
      ]),
    );
  });

  it('default privileges reach a table created later in the plan, and its creator is not listed as gaining its own table', () => {
    const sql = ['ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO readers', 'CREATE TABLE app."Line Items" (id bigint)'];
    const rows = accessChangesJson(planAccess(snapshot(), planned(sql)).changes);
    expect(rows).toEqual(
      expect.arrayContaining([
        { role: 'app1', change: 'gains', privilege: 'SELECT', object: 'app."Line Items"', via: 'member of readers', statement: sql[1] },
      ]),
    );
    expect(rows.filter((r) => r.role === 'migrator')).toEqual([]);
  });

  it('a new table is not listed for the predefined all-data roles, but a login that is a member of one gains it via that role', () => {
    const before = snapshot();
    before.roles.push(role('pg_read_all_data'), role('pg_write_all_data'), role('pg_maintain'));
    before.memberships.push(member('pg_read_all_data', 'app2'));
    const sql = 'CREATE TABLE app.invoices (id bigint)';
    const rows = accessChangesJson(planAccess(before, planned([sql])).changes);
    expect(rows.filter((r) => r.role.startsWith('pg_'))).toEqual([]);
    expect(rows).toEqual([
      { role: 'app2', change: 'gains', privilege: 'SELECT', object: 'app.invoices', via: 'member of pg_read_all_data', statement: sql },
    ]);
  });

  it('lists what it does not model instead of ignoring it', () => {
    const diff = planAccess(snapshot(), planned(['CREATE EXTENSION pgcrypto', 'GRANT SELECT (id) ON app.orders TO app2']));
    expect(diff.notModelled.map((n) => [n.statement, n.reason])).toEqual([
      ['CREATE EXTENSION pgcrypto', 'CreateExtension statements are not modelled'],
      ['GRANT SELECT (id) ON app.orders TO app2', 'column privileges (SELECT on columns) are not modelled'],
    ]);
  });

  it('a new login that can write is widening', () => {
    const sql = ['CREATE ROLE writer LOGIN IN ROLE readers', 'GRANT INSERT ON app.orders TO writer'];
    const rows = planAccess(snapshot(), planned(sql)).changes.filter((c) => c.role === 'writer');
    expect(rows.find((r) => r.privilege === 'LOGIN')?.widening).toBe('new login that can write');
  });
});
