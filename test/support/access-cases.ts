// Random role graphs and grant scripts for the access oracle (test/harness/access-oracle.test.ts).
// A case is a setup (run before the catalog is read: roles, memberships, objects, grants,
// default privileges) and a script (the "plan" the model must follow). Everything is drawn
// from a seeded PRNG, so a seed and a case number reproduce a case exactly.

export interface AccessCase {
  setup: string[];
  script: string[];
  /** Roles (and PUBLIC as 'public') whose privileges are compared. */
  subjects: string[];
}

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

// Names that need quoting, a keyword, and Markdown/HTML-looking text: they must survive both ways.
const ODD_NAMES = ['User', 'user', 'a"b', 'grp <b>x</b>', 'r::x', 'select'];

export function generateCase(rand: () => number, major: number, database: string): AccessCase {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number): boolean => rand() < p;
  const v16 = major >= 16;
  const roles = Array.from({ length: 3 + Math.floor(rand() * 4) }, (_, i) => (chance(0.1) ? `${pick(ODD_NAMES)}${i}` : `r${i}`));
  const setup: string[] = [];
  for (const r of roles) {
    const attrs = [
      chance(0.5) ? 'LOGIN' : 'NOLOGIN',
      chance(0.2) ? 'NOINHERIT' : 'INHERIT',
      chance(0.05) ? 'SUPERUSER' : '',
      chance(0.15) ? 'CREATEROLE' : '',
    ];
    setup.push(`CREATE ROLE ${q(r)} ${attrs.join(' ')}`);
  }
  // Memberships only "downwards" (a later role in an earlier one), so no cycle is attempted.
  for (let i = 0; i < roles.length; i++) {
    for (let j = i + 1; j < roles.length; j++)
      if (chance(0.3)) setup.push(`GRANT ${q(roles[i]!)} TO ${q(roles[j]!)}${membershipOptions(rand, v16)}`);
  }
  if (chance(0.2)) setup.push(`GRANT ${pick(['pg_read_all_data', 'pg_write_all_data', 'rds_superuser'])} TO ${q(pick(roles))}`);
  const schemas = ['s0', chance(0.5) ? 'S 1' : 's1'];
  for (const s of schemas) setup.push(`CREATE SCHEMA ${q(s)} AUTHORIZATION ${q(pick(roles))}`);
  const tables: string[] = [];
  const sequences: string[] = [];
  const functions: string[] = [];
  for (let i = 0; i < 3; i++) {
    const t = `${q(pick(schemas))}.${q(`t${i}`)}`;
    tables.push(t);
    setup.push(`CREATE TABLE ${t} (id int)`, `ALTER TABLE ${t} OWNER TO ${q(pick(roles))}`);
  }
  const seq = `${q(pick(schemas))}.q0`;
  sequences.push(seq);
  setup.push(`CREATE SEQUENCE ${seq}`, `ALTER SEQUENCE ${seq} OWNER TO ${q(pick(roles))}`);
  const fn = `${q(pick(schemas))}.f0(integer)`;
  functions.push(fn);
  setup.push(
    `CREATE FUNCTION ${fn.replace('(integer)', '(x integer)')} RETURNS int LANGUAGE sql AS 'select x'`,
    `ALTER FUNCTION ${fn} OWNER TO ${q(pick(roles))}`,
  );
  const world: World = { rand, pick, chance, roles, schemas, tables, sequences, functions, database, v16, created: 0 };
  for (let i = 0; i < 4; i++) setup.push(grantStatement(world));
  if (chance(0.5)) setup.push(defaultPrivileges(world));
  const script: string[] = [];
  const length = 3 + Math.floor(rand() * 8);
  for (let i = 0; i < length; i++) script.push(...planStatement(world));
  return { setup, script, subjects: [...world.roles, 'postgres', 'public'] };
}

interface World {
  rand: () => number;
  pick: <T>(xs: readonly T[]) => T;
  chance: (p: number) => boolean;
  roles: string[];
  schemas: string[];
  tables: string[];
  sequences: string[];
  functions: string[];
  database: string;
  v16: boolean;
  created: number;
}

function membershipOptions(rand: () => number, v16: boolean): string {
  const opts: string[] = [];
  if (rand() < 0.2) opts.push('ADMIN OPTION');
  if (v16 && rand() < 0.25) opts.push(`INHERIT ${rand() < 0.5 ? 'FALSE' : 'TRUE'}`);
  if (v16 && rand() < 0.2) opts.push(`SET ${rand() < 0.5 ? 'FALSE' : 'TRUE'}`);
  if (!v16) return opts.length ? ' WITH ADMIN OPTION' : '';
  return opts.length ? ` WITH ${opts.join(', ')}` : '';
}

const TABLE_PRIVS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'ALL'];

function target(w: World): { on: string; privs: string[] } {
  switch (Math.floor(w.rand() * 7)) {
    case 0:
    case 1:
      return { on: `TABLE ${w.pick(w.tables)}`, privs: TABLE_PRIVS };
    case 2:
      return { on: `SEQUENCE ${w.pick(w.sequences)}`, privs: ['USAGE', 'SELECT', 'UPDATE', 'ALL'] };
    case 3:
      return { on: `FUNCTION ${w.pick(w.functions)}`, privs: ['EXECUTE', 'ALL'] };
    case 4:
      return { on: `SCHEMA ${q(w.pick(w.schemas))}`, privs: ['USAGE', 'CREATE', 'ALL'] };
    case 5:
      return { on: `DATABASE ${q(w.database)}`, privs: ['CONNECT', 'TEMPORARY', 'CREATE', 'ALL'] };
    default:
      return { on: `ALL TABLES IN SCHEMA ${q(w.pick(w.schemas))}`, privs: TABLE_PRIVS };
  }
}

function grantee(w: World): string {
  return w.chance(0.15) ? 'PUBLIC' : q(w.pick(w.roles));
}

function grantStatement(w: World): string {
  const t = target(w);
  const privs = w.pick(t.privs);
  const to = grantee(w);
  if (w.chance(0.65)) return `GRANT ${privs} ON ${t.on} TO ${to}${to !== 'PUBLIC' && w.chance(0.25) ? ' WITH GRANT OPTION' : ''}`;
  return `REVOKE ${w.chance(0.2) ? 'GRANT OPTION FOR ' : ''}${privs} ON ${t.on} FROM ${to}${w.chance(0.5) ? ' CASCADE' : ''}`;
}

function defaultPrivileges(w: World): string {
  const [type, privs] = w.pick([
    ['TABLES', TABLE_PRIVS],
    ['SEQUENCES', ['USAGE', 'SELECT', 'ALL']],
    ['FUNCTIONS', ['EXECUTE']],
    ['SCHEMAS', ['USAGE', 'CREATE']],
  ] as const);
  const forRole = w.chance(0.8) ? ` FOR ROLE ${q(w.pick(w.roles))}` : '';
  const inSchema = type !== 'SCHEMAS' && w.chance(0.4) ? ` IN SCHEMA ${q(w.pick(w.schemas))}` : '';
  const grant = w.chance(0.7);
  const p = w.pick(privs);
  return `ALTER DEFAULT PRIVILEGES${forRole}${inSchema} ${grant ? 'GRANT' : 'REVOKE'} ${p} ON ${type} ${grant ? 'TO' : 'FROM'} ${grantee(w)}`;
}

/** One step of the plan: usually one statement, sometimes a SET ROLE … RESET ROLE bracket. */
function planStatement(w: World): string[] {
  const r = (): string => q(w.pick(w.roles));
  const s = (): string => q(w.pick(w.schemas));
  switch (Math.floor(w.rand() * 16)) {
    case 0:
    case 1:
    case 2:
      return [grantStatement(w)];
    case 3:
      return [`GRANT ${r()} TO ${r()}${membershipOptions(w.rand, w.v16)}`];
    case 4: {
      const option = w.v16
        ? w.pick(['', '', 'ADMIN OPTION FOR ', 'INHERIT OPTION FOR ', 'SET OPTION FOR '])
        : w.pick(['', 'ADMIN OPTION FOR ']);
      return [`REVOKE ${option}${r()} FROM ${r()}${w.chance(0.5) ? ' CASCADE' : ''}`];
    }
    case 5: {
      const name = `new${w.created++}`;
      const parts = [`CREATE ROLE ${q(name)}`, w.chance(0.5) ? 'LOGIN' : '', w.chance(0.2) ? 'NOINHERIT' : ''];
      if (w.chance(0.4)) parts.push(`IN ROLE ${r()}`);
      if (w.chance(0.2)) parts.push(`ROLE ${r()}`);
      w.roles.push(name);
      return [parts.join(' ')];
    }
    case 6:
      return [`ALTER ROLE ${r()} ${w.pick(['INHERIT', 'NOINHERIT', 'LOGIN', 'NOLOGIN', 'SUPERUSER', 'NOSUPERUSER', 'CREATEROLE'])}`];
    case 7:
      return [defaultPrivileges(w)];
    case 8: {
      const t = `${s()}.${q(`n${w.created++}`)}`;
      w.tables.push(t);
      const create = `CREATE TABLE ${t} (id ${w.chance(0.3) ? 'serial' : 'int'})`;
      return w.chance(0.6) ? [`SET ROLE ${r()}`, create, 'RESET ROLE'] : [create];
    }
    case 9: {
      const f = `${s()}.${q(`g${w.created++}`)}()`;
      w.functions.push(f);
      const create = `CREATE FUNCTION ${f} RETURNS int LANGUAGE sql ${w.chance(0.3) ? 'SECURITY DEFINER ' : ''}AS 'select 1'`;
      return w.chance(0.5) ? [`SET ROLE ${r()}`, create, 'RESET ROLE'] : [create];
    }
    case 10: {
      const name = `ns${w.created++}`;
      w.schemas.push(name);
      return [`CREATE SCHEMA ${q(name)}${w.chance(0.5) ? ` AUTHORIZATION ${r()}` : ''}`];
    }
    case 11: {
      const what = w.pick([
        `TABLE ${w.pick(w.tables)}`,
        `SCHEMA ${s()}`,
        `FUNCTION ${w.pick(w.functions)}`,
        `SEQUENCE ${w.pick(w.sequences)}`,
      ]);
      return [`ALTER ${what} OWNER TO ${r()}`];
    }
    case 12:
      return [w.chance(0.5) ? `DROP TABLE ${w.pick(w.tables)}` : `DROP ROLE ${r()}`];
    case 13:
      return [w.chance(0.5) ? `DROP OWNED BY ${r()}` : `REASSIGN OWNED BY ${r()} TO ${r()}`];
    case 14: {
      // A non-owner passing on what it holds WITH GRANT OPTION records itself as grantor.
      return [`SET ROLE ${r()}`, grantStatement(w), 'RESET ROLE'];
    }
    default: {
      const v = `${s()}.${q(`v${w.created++}`)}`;
      w.tables.push(v);
      return [`CREATE VIEW ${v} AS SELECT 1 AS x`];
    }
  }
}
