import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { renderedText, renderHtml } from '../support/markdown.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario, type ScenarioStatement } from '../support/terraform.js';

// The Access changes part on the real stack: `node dist/index.js` as a runner starts it, one
// database through the seed's bootstrap and a few pull requests. What is asserted is what a user
// sees: the rendered comment, the `access-changes` output, the exit code, and what PostgreSQL
// itself answers (has_table_privilege, pg_has_role). The group's name is hostile: Markdown,
// HTML, `|`, `::` and both quotes, and must stay inert text.

/** A group whose name is Markdown, HTML, a table pipe, `::` and both quotes. */
const GROUP = `rw*grp*<img src=x onerror=alert(1)>|::"q'`;
const qi = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const PROBE_SQL = '"public"."validation_probe"';
/** As the output writes objects: quote_ident, quoting only what needs it. */
const PROBE = 'public.validation_probe';

const SQL = {
  group: `CREATE ROLE ${qi(GROUP)};`,
  writer: 'CREATE ROLE "app_writer" WITH LOGIN;',
  readerInGroup: `GRANT ${qi(GROUP)} TO "app_reader";`,
  writerInGroup: `GRANT ${qi(GROUP)} TO "app_writer";`,
  groupGrant: `GRANT SELECT, INSERT ON TABLE ${PROBE_SQL} TO ${qi(GROUP)};`,
  revokeGroupInsert: `REVOKE INSERT ON TABLE ${PROBE_SQL} FROM ${qi(GROUP)};`,
  revokeReaderSelect: `REVOKE SELECT ON TABLE ${PROBE_SQL} FROM "app_reader";`,
  superuser: 'GRANT "rds_superuser" TO "app_reader";',
};

const FILES = {
  roles: 'hcl/roles/access-e2e.pg.hcl',
  grants: 'hcl/schema/access-grants.pg.hcl',
  revokes: 'hcl/schema/access-revokes.pg.hcl',
  superuser: 'hcl/roles/access-superuser.pg.hcl',
};

const has = (role: string, priv: string): string =>
  `SELECT 1 FROM pg_roles r WHERE r.rolname = ${lit(role)} AND has_table_privilege(r.oid, 'public.validation_probe', ${lit(priv)})`;
const member = (role: string, group: string): string =>
  `SELECT 1 FROM pg_roles m, pg_roles g WHERE m.rolname = ${lit(role)} AND g.rolname = ${lit(group)} AND pg_has_role(m.oid, g.oid, 'MEMBER')`;
const directGrant = (role: string, priv: string): string =>
  `SELECT 1 FROM pg_class c, aclexplode(c.relacl) e JOIN pg_roles r ON r.oid = e.grantee WHERE c.oid = 'public.validation_probe'::regclass AND r.rolname = ${lit(role)} AND e.privilege_type = ${lit(priv)}`;
const roleExists = (role: string): string => `SELECT 1 FROM pg_roles WHERE rolname = ${lit(role)}`;
/** Present once the grant is gone: the scenario plans a REVOKE only while there is something to revoke. */
const absent = (query: string): string => `SELECT 1 WHERE NOT EXISTS (${query})`;

function extraStatements(): { roles: ScenarioStatement[]; schema: ScenarioStatement[] } {
  return {
    roles: [
      { sql: SQL.group, when: ['access-e2e: group'], present: roleExists(GROUP) },
      { sql: SQL.writer, when: ['access-e2e: group'], present: roleExists('app_writer') },
      { sql: SQL.readerInGroup, when: ['access-e2e: group'], present: member('app_reader', GROUP) },
      { sql: SQL.writerInGroup, when: ['access-e2e: group'], present: member('app_writer', GROUP) },
      { sql: SQL.superuser, when: ['access-e2e: superuser'], present: member('app_reader', 'rds_superuser') },
    ],
    schema: [
      { sql: SQL.groupGrant, when: ['access-e2e: group grant'], present: directGrant(GROUP, 'INSERT') },
      { sql: SQL.revokeGroupInsert, when: ['access-e2e: revoke'], present: absent(directGrant(GROUP, 'INSERT')) },
      { sql: SQL.revokeReaderSelect, when: ['access-e2e: revoke'], present: absent(directGrant('app_reader', 'SELECT')) },
    ],
  };
}

interface Change {
  role: string;
  change: 'gains' | 'loses';
  privilege: string;
  object: string;
  via: string;
  statement: string;
}

describe('Access changes, end to end', () => {
  let stack: Stack;
  let seed: Scenario;

  async function edit(files: Record<string, string | null>): Promise<void> {
    for (const [rel, text] of Object.entries(files)) {
      const file = path.join(stack.workspace, rel);
      if (text === null) await rm(file, { force: true });
      else await writeFile(file, text);
    }
  }

  function pull(number: number, o: { base: string; head: string; merge: string; files: string[] }): void {
    stack.github.addPull({ number, files: o.files, headSha: o.head, baseSha: o.base, mergeCommitSha: o.merge, merged: true, labels: [] });
    stack.github.addCompare(o.base, o.merge, o.files);
  }
  const plan = (number: number, head: string, base: string): Promise<ActionRun> =>
    stack.runPullRequest({ number, headSha: sha(head), baseSha: sha(base) });
  const merge = (before: string, after: string): Promise<ActionRun> =>
    stack.runPush({ before: sha(before), after: sha(after), ref: `refs/heads/${DEFAULT_BRANCH}` });
  const comment = (pr: number): string => stack.github.comments(pr)[0]?.body ?? '';
  const changes = (run: ActionRun): Change[] => JSON.parse(run.outputs['access-changes'] ?? '') as Change[];
  const holds = async (query: string): Promise<boolean> => (await stack.pg.adminQuery(query)).length > 0;
  /** The Access changes part as GitHub shows it: from its heading to the next part. */
  const accessPart = (body: string): string => {
    const shown = renderedText(body);
    const at = shown.indexOf('🔐 Access changes');
    expect(at, shown).toBeGreaterThanOrEqual(0);
    return shown.slice(at);
  };

  beforeAll(async () => {
    seed = await loadSeedScenario();
    const extra = extraStatements();
    stack = await startStack({
      scenario: {
        envs: {
          roles: { statements: [...(seed.envs['roles']?.statements ?? []), ...extra.roles] },
          schema: { statements: [...(seed.envs['schema']?.statements ?? []), ...extra.schema] },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("the seed's bootstrap: the diff comes from the SQL alone, saying why; the merge applies it", async () => {
    pull(1, { base: sha('0'), head: sha('1'), merge: sha('a'), files: ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl'] });
    const run = await plan(1, '1', '0');
    expect(run.exitCode, run.stdout).toBe(0);
    const part = accessPart(comment(1));
    expect(part).toContain(
      '⚠️ Computed from the SQL alone, as if nothing existed before it: the roles root of this change creates "atlas_migrator", the login the catalog is read with, so it cannot log in yet (first bootstrap).',
    );
    const rows = changes(run);
    expect(rows).toContainEqual(expect.objectContaining({ role: 'atlas_migrator', change: 'gains', privilege: 'IAM LOGIN' }));
    expect(rows).toContainEqual(
      expect.objectContaining({
        role: 'app_reader',
        change: 'gains',
        privilege: 'LOGIN',
        statement: 'CREATE ROLE "app_reader" WITH LOGIN;',
      }),
    );
    expect(await holds(roleExists('atlas_migrator'))).toBe(false);

    const applied = await merge('0', 'a');
    expect(applied.exitCode, applied.stdout).toBe(0);
    // Apply runs compute no access diff: the output is empty.
    expect(applied.outputs['access-changes']).toBe('');
    expect(await holds(has('app_reader', 'SELECT'))).toBe(true);
  });

  it('a PR giving two login roles a group with table privileges: they gain them "via" the group, read from the live catalog; names stay inert', async () => {
    await edit({ [FILES.roles]: '# access-e2e: group\n', [FILES.grants]: '# access-e2e: group grant\n' });
    pull(2, { base: sha('a'), head: sha('2'), merge: sha('b'), files: [FILES.roles, FILES.grants] });
    const run = await plan(2, '2', 'a');
    expect(run.exitCode, run.stdout).toBe(0);
    const rows = changes(run);
    const via = `member of ${qi(GROUP)}`;
    expect(rows.length, JSON.stringify(rows)).toBeGreaterThan(0);
    // app_writer is new: it gains SELECT and INSERT through the group; app_reader already had SELECT directly, so only INSERT.
    expect(rows).toContainEqual(expect.objectContaining({ role: 'app_writer', change: 'gains', privilege: 'INSERT', object: PROBE }));
    const writerInsert = rows.find((r) => r.role === 'app_writer' && r.privilege === 'INSERT');
    expect(writerInsert?.via).toContain(qi(GROUP));
    const readerGains = rows.filter((r) => r.role === 'app_reader' && r.object === PROBE && r.change === 'gains');
    expect(readerGains.map((r) => r.privilege)).toEqual(['INSERT']);
    expect(readerGains[0]?.via).toContain(qi(GROUP));
    // A new login that can write is a widening row.
    const part = accessPart(comment(2));
    expect(part).toContain('Computed from the live catalogs (read-only');
    expect(part).toContain('widening: new login that can write');
    expect(part).toContain(via.slice(0, 20));
    // Hostile name: shown literally, never as HTML or a table cell break.
    // (the SQL fences carry the name literally; rendered, nowhere is it an element)
    expect(renderHtml(comment(2))).not.toMatch(/<img/i);
    expect(part).toContain(GROUP);

    const applied = await merge('a', 'b');
    expect(applied.exitCode, applied.stdout).toBe(0);
    expect(await holds(has('app_writer', 'INSERT'))).toBe(true);
    expect(await holds(has('app_reader', 'INSERT'))).toBe(true);
  });

  it('a PR revoking INSERT from the group (two logins lose it) and SELECT from app_reader (still held via the group: nothing changes)', async () => {
    await edit({ [FILES.revokes]: '# access-e2e: revoke\n' });
    pull(3, { base: sha('b'), head: sha('3'), merge: sha('c'), files: [FILES.revokes] });
    const run = await plan(3, '3', 'b');
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['schema-sql']).toBe([SQL.revokeGroupInsert, SQL.revokeReaderSelect].join('\n'));
    const rows = changes(run);
    expect(rows.length, JSON.stringify(rows)).toBeGreaterThan(0);
    const losers = rows.filter((r) => r.change === 'loses' && r.privilege === 'INSERT' && r.object === PROBE).map((r) => r.role);
    expect(losers).toEqual(expect.arrayContaining(['app_reader', 'app_writer', GROUP]));
    expect(rows.find((r) => r.role === 'app_reader' && r.privilege === 'SELECT')).toBeUndefined();
    const part = accessPart(comment(3));
    expect(part).toContain('Revoked, but still held another way (1): nothing effective changes for these.');
    expect(part).toMatch(/app_reader keeps SELECT on public\.validation_probe via .*rw\*grp\*/);
    // A plan changes nothing in the database.
    expect(await holds(has('app_writer', 'INSERT'))).toBe(true);
    await edit({ [FILES.revokes]: null });
  });

  it('GRANT rds_superuser: widening in the plan, held on merge without an approval (no live read on merge)', async () => {
    await edit({ [FILES.superuser]: '# access-e2e: superuser\n' });
    pull(4, { base: sha('c'), head: sha('4'), merge: sha('d'), files: [FILES.superuser] });
    const run = await plan(4, '4', 'c');
    expect(run.exitCode, run.stdout).toBe(0);
    expect(changes(run)).toContainEqual(
      expect.objectContaining({
        role: 'app_reader',
        change: 'gains',
        privilege: 'MEMBER',
        object: 'rds_superuser',
        statement: SQL.superuser,
      }),
    );
    const shown = renderedText(comment(4));
    expect(shown).toContain('🔓 Access-widening (1) roles: GRANT "rds_superuser" TO "app_reader";');
    expect(shown).toContain('widening: rds_superuser membership');

    const held = await merge('c', 'd');
    expect(held.exitCode, held.stdout).toBe(1);
    expect(renderedText(comment(4))).toContain('✋ roles: held back, nothing applied');
    expect(renderedText(comment(4))).toMatch(/Access-widening SQL needs an approval\. .*#4 has no approving review\./);
    expect(await holds(member('app_reader', 'rds_superuser'))).toBe(false);
    await edit({ [FILES.superuser]: null });
  });

  it('the catalog read fails: the plan still succeeds and the comment says the diff is from the SQL alone, and why', async () => {
    await stack.pg.adminQuery('REVOKE SELECT ON pg_catalog.pg_auth_members FROM PUBLIC');
    try {
      await edit({ [FILES.revokes]: '# access-e2e: revoke\n' });
      pull(5, { base: sha('c'), head: sha('5'), merge: sha('e'), files: [FILES.revokes] });
      const run = await plan(5, '5', 'c');
      expect(run.exitCode, run.stdout).toBe(0);
      const part = accessPart(comment(5));
      expect(part).toContain(
        '⚠️ Computed from the SQL alone, as if nothing existed before it: the catalog could not be read: permission denied for table pg_auth_members.',
      );
      // From the SQL alone nobody held INSERT before: the group's REVOKE loses nothing visible.
      expect(changes(run).filter((r) => r.change === 'loses' && r.role === 'app_writer')).toEqual([]);
    } finally {
      await stack.pg.adminQuery('GRANT SELECT ON pg_catalog.pg_auth_members TO PUBLIC');
      await edit({ [FILES.revokes]: null });
    }
  });
});
