#!/usr/bin/env node
// Benchmark section: the access model (src/access). A synthetic database of 200 roles (150
// logins, 50 groups), 2,000 tables in 20 schemas and 20,000 ACL entries, and a plan of 500
// GRANT / REVOKE statements; measured: apply + effective access before and after + diff,
// parsing and catalog queries excluded (the catalog read is a fixed number of queries,
// CATALOG_QUERY_COUNT). Called from run.mjs's main(); `node test/bench/access.mjs` runs it alone.
import { fileURLToPath } from 'node:url';
import { TextEncoder } from 'node:util';
import { closeLoader, loadTs } from './loader.mjs';

const SELF = fileURLToPath(import.meta.url);
const REPS = 9;
const TARGET_MS = 300;

export function snapshot(PRIV) {
  const role = (name, login) => ({
    name,
    superuser: false,
    inherit: true,
    createrole: false,
    createdb: false,
    login,
    replication: false,
    bypassrls: false,
  });
  const roles = [role('rdsadmin', false), role('migrator', true)];
  roles[0].superuser = true;
  for (let i = 0; i < 50; i++) roles.push(role(`group_${i}`, false));
  for (let i = 0; i < 148; i++) roles.push(role(`login_${i}`, true));
  const memberships = [];
  for (let i = 0; i < 148; i++) {
    for (const g of [i % 50, (i * 7) % 50])
      memberships.push({ role: `group_${g}`, member: `login_${i}`, grantor: 'rdsadmin', admin: false, inherit: true, set: true });
  }
  const objects = [
    {
      kind: 'database',
      schema: '',
      name: 'appdb',
      owner: 'migrator',
      acl: [{ grantee: 'migrator', grantor: 'migrator', privs: PRIV.CONNECT | PRIV.CREATE | PRIV.TEMPORARY, grantable: 0 }],
    },
  ];
  for (let s = 0; s < 20; s++) {
    objects.push({
      kind: 'schema',
      schema: '',
      name: `s${s}`,
      owner: 'migrator',
      acl: [{ grantee: 'migrator', grantor: 'migrator', privs: PRIV.USAGE | PRIV.CREATE, grantable: 0 }],
    });
  }
  let entries = 0;
  for (let t = 0; t < 2000; t++) {
    const acl = [{ grantee: 'migrator', grantor: 'migrator', privs: 0xff, grantable: 0 }];
    for (let j = 0; j < 9; j++)
      acl.push({
        grantee: j < 6 ? `group_${(t + j * 11) % 50}` : `login_${(t * 3 + j) % 148}`,
        grantor: 'migrator',
        privs: PRIV.SELECT | (j % 2 ? PRIV.INSERT | PRIV.UPDATE : 0),
        grantable: 0,
      });
    entries += acl.length;
    objects.push({ kind: 'table', schema: `s${t % 20}`, name: `t${t}`, owner: 'migrator', acl });
  }
  const snap = {
    serverVersionNum: 170004,
    database: 'appdb',
    currentUser: 'migrator',
    bootstrapSuperuser: 'rdsadmin',
    roles,
    memberships,
    objects,
    defaultAcls: [],
  };
  return { snap, entries };
}

export function plan() {
  return Array.from({ length: 500 }, (_, i) => {
    switch (i % 5) {
      case 0:
        return `GRANT SELECT, UPDATE ON TABLE "s${i % 20}"."t${i}" TO "login_${i % 148}";`;
      case 1:
        return `REVOKE SELECT ON TABLE "s${(i * 3) % 20}"."t${i * 3}" FROM "group_${(i * 3) % 50}";`;
      case 2:
        return `GRANT "group_${i % 50}" TO "login_${(i * 5) % 148}";`;
      case 3:
        return `GRANT USAGE ON SCHEMA "s${i % 20}" TO "group_${i % 50}";`;
      default:
        return `REVOKE "group_${(i * 7) % 50}" FROM "login_${i % 148}";`;
    }
  });
}

export async function benchAccess(load, { stats, table, expect, ms, spread }) {
  const access = await load('src/access/index.ts');
  const { loadPgParser } = await load('src/atlas/pg-parser.ts');
  const { CATALOG_QUERY_COUNT } = await load('src/database/catalog.ts');
  const parse = await loadPgParser();
  const { snap, entries } = snapshot(access.PRIV);
  const sql = plan();
  const t0 = performance.now();
  const planned = sql.map((s) => {
    const r = parse(new TextEncoder().encode(s));
    return { sql: s, nodes: r.ok ? r.stmts.map((x) => x.stmt) : undefined };
  });
  const parseMs = performance.now() - t0;
  const runs = [];
  const cpu = [];
  let diff;
  for (let i = 0; i < REPS + 2; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    diff = access.planAccess(snap, planned);
    const used = process.cpuUsage(c);
    if (i < 2) continue; // two warm-up runs
    runs.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  expect(diff.notModelled.length === 0, `access model: ${diff.notModelled.length} statements not modelled`);
  expect(diff.changes.length > 0, 'access model: the plan changed nothing');
  const st = stats(runs);
  const cp = stats(cpu);
  table(
    `Access model (src/access): ${snap.roles.length} roles, ${snap.objects.length - 21} tables, ${entries.toLocaleString('en-US')} ACL entries, a plan of ${sql.length} GRANT/REVOKE statements; catalog read = ${CATALOG_QUERY_COUNT} queries whatever the size (not timed here)`,
    ['what', 'median wall', 'spread', 'median CPU', 'target'],
    [
      [
        `apply + effective before/after + diff (n=${REPS})`,
        `${ms(st.median)} ms`,
        `${spread(st)} ms`,
        `${ms(cp.median)} ms`,
        `${st.median <= TARGET_MS ? 'within' : 'OVER'} ${TARGET_MS} ms`,
      ],
      ['parsing the 500 statements (once, cold)', `${ms(parseMs)} ms`, '—', '—', '—'],
      ['rows in the diff', String(diff.changes.length), '—', '—', '—'],
    ],
  );
  return st.median;
}

if (process.argv[1] === SELF) {
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
  };
  const table = (title, head, rows) => console.log(`\n${title}\n${[head, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
  const expect = (ok, message) => {
    if (!ok) throw new Error(message);
  };
  const ms = (x) => x.toFixed(x >= 100 ? 0 : 1);
  const spread = (s) => `${ms(s.min)}–${ms(s.max)}`;
  benchAccess(loadTs, { stats, table, expect, ms, spread })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(closeLoader);
}
