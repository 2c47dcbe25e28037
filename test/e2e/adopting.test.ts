import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/action.js';
import { connectionConfig, startPostgres, type PgCluster } from '../support/postgres.js';

// docs/adopting.md tells adopters to run one SQL block as the RDS master user to give the
// objects it created to atlas_migrator. Run that block, as written in the docs, on the
// RDS-shaped cluster (the master is not a superuser; rds_iam members must use IAM tokens) and
// check what an adopter would see: the objects change owner, atlas_migrator can now alter
// them, and the master user still logs in with its password.

const KEYS = {
  accessKeyId: 'ASIAADOPTINGDOCS0001',
  secretAccessKey: 'adopting-docs-secret-0123456789abcdefghij',
  sessionToken: 'adopting',
};
let db: PgCluster;

/** The ```sql block under the docs' "Move ownership" heading. */
function ownershipSql(): string {
  const text = readFileSync(path.join(repoRoot, 'docs/adopting.md'), 'utf8');
  const section = text.slice(text.indexOf('## 4. Move ownership to `atlas_migrator`'));
  const block = /```sql\n([\s\S]*?)```/.exec(section);
  if (!block?.[1]) throw new Error('docs/adopting.md has no sql block under "4. Move ownership"');
  return block[1];
}

// What a database built by hand as the master user typically holds, and atlas_migrator as the
// bootstrap pull request of the docs' step 3 leaves it.
const EXISTING = `
  CREATE ROLE atlas_migrator WITH LOGIN;
  GRANT rds_iam TO atlas_migrator;
  GRANT CREATE, USAGE ON SCHEMA public TO atlas_migrator;
  CREATE ROLE app_reader;
  CREATE TYPE status AS ENUM ('new', 'done');
  CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
  CREATE TABLE orders (id serial PRIMARY KEY, n positive, s status);
  CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id integer REFERENCES orders);
  CREATE SEQUENCE invoice_no;
  CREATE VIEW open_orders AS SELECT * FROM orders WHERE s = 'new';
  CREATE MATERIALIZED VIEW order_count AS SELECT count(*) FROM orders;
  CREATE FUNCTION order_total(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
  GRANT SELECT ON orders TO app_reader;
`;

const OWNERS = `
  SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S')
  UNION ALL SELECT p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL SELECT t.typname, pg_get_userbyid(t.typowner) FROM pg_type t
   WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
  ORDER BY 1`;

/** Runs SQL as atlas_migrator would: the harness's superuser socket, then SET LOCAL ROLE, in one implicit transaction. */
async function asMigrator(sql: string): Promise<void> {
  await db.adminQuery(`SET LOCAL ROLE atlas_migrator; ${sql}`);
}

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [KEYS], region: 'us-east-1' } });
  await db.query(EXISTING);
});
afterAll(async () => {
  await db?.stop();
});

describe('docs/adopting.md: moving ownership to atlas_migrator', () => {
  it('fixes "must be owner of table" for every object the master created, and the master keeps its password', async () => {
    await expect(asMigrator('ALTER TABLE orders ADD COLUMN note text')).rejects.toThrow(/must be owner of table orders/);

    await db.query(ownershipSql());

    const owners = await db.query<{ name: string; owner: string }>(OWNERS);
    expect(owners.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'invoice_no',
        'items',
        'items_id_seq',
        'open_orders',
        'order_count',
        'order_total',
        'orders',
        'orders_id_seq',
        'positive',
        'status',
      ]),
    );
    expect(owners.filter((r) => r.owner !== 'atlas_migrator')).toEqual([]);

    await asMigrator("ALTER TABLE orders ADD COLUMN note text; GRANT SELECT ON items TO app_reader; ALTER TYPE status ADD VALUE 'held'");
    const grants = await db.query<{ items: boolean; orders: boolean }>(
      `SELECT has_table_privilege('app_reader', 'items', 'SELECT') AS items, has_table_privilege('app_reader', 'orders', 'SELECT') AS orders`,
    );
    expect(grants).toEqual([{ items: true, orders: true }]);

    // The master is a member of atlas_migrator only inside the transaction, so RDS still takes
    // its password (a member of atlas_migrator would be one of rds_iam too).
    // 16+ records an ADMIN-only grant (the creator's) that is no membership: count real ones only.
    const real = db.major === '15' ? '' : ' AND (inherit_option OR set_option)';
    const member = await db.query(
      `SELECT 1 FROM pg_auth_members WHERE roleid = 'atlas_migrator'::regrole AND member = 'postgres'::regrole${real}`,
    );
    expect(member).toEqual([]);
    const client = new pg.Client(connectionConfig(db.url(db.masterUser, db.masterPassword)));
    client.on('error', () => undefined);
    await client.connect();
    await client.end();
  });
});
