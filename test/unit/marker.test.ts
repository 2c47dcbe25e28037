import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../src/inputs/input-rules.js';
import { bodyBelongsTo, databaseMarker, encodePart } from '../../src/github/marker.js';

// The marker that names a database in its PR comment and drift issue: injective over valid
// environment names (and directories), never `--` inside the HTML comment, and the comments
// and issues of earlier versions found only where that cannot pick another database's.

const ROLES = 'terraform/roles';
const SCHEMA = 'terraform/schema';

/** Every valid environment name over a small alphabet that has each kind of character, up to `max` long. */
function environmentNames(max: number): string[] {
  const first = ['a', 'B', '7'];
  const rest = ['a', '-', '_', '.', '9'];
  let level = first;
  const all = [...first];
  for (let n = 2; n <= max; n++) {
    level = level.flatMap((p) => rest.map((c) => p + c));
    all.push(...level);
  }
  return all;
}

/** What versions up to 1.1.0 wrote. */
const oldMarker = (env: string, roles = ROLES, schema = SCHEMA, kind = 'v1'): string => {
  const safe = (s: string): string => s.replace(/[^\w./@+=,~-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- rds-atlas-action:${kind}${env ? ` env=${safe(env)}` : ''} roles=${safe(roles)} schema=${safe(schema)} -->`;
};

/** A body of ours as 1.1.0 rendered it: marker, record, title naming the environment, root headings. */
const oldBody = (env: string, roles = ROLES, schema = SCHEMA): string =>
  [
    `${oldMarker(env, roles, schema)}\n<!-- rds-atlas-action:data eyJ2IjoxfQ -->`,
    `## 🗄️ Atlas Plan${env ? ` · \`${env}\`` : ''} · PostgreSQL roles & schema`,
    '### ✅ Plan: no changes',
    `### roles · \`${roles}\``,
    `### schema · \`${schema}\``,
  ].join('\n\n');

describe('databaseMarker', () => {
  it('is injective over valid environment names (every name up to 5 characters over a-B-7-_-.-9)', () => {
    const names = environmentNames(5);
    expect(names.length).toBeGreaterThan(1000);
    expect(names.every((n) => ENVIRONMENT.test(n))).toBe(true);
    for (const kind of ['comment', 'drift'] as const) {
      const markers = new Set(names.map((n) => databaseMarker(kind, n, ROLES, SCHEMA)));
      expect(markers.size).toBe(names.length);
    }
    // The pair that collapsed, and the old marker's other collisions.
    expect(databaseMarker('comment', 'billing-prod', ROLES, SCHEMA)).not.toBe(databaseMarker('comment', 'billing--prod', ROLES, SCHEMA));
    expect(databaseMarker('comment', '', 'a b', SCHEMA)).not.toBe(databaseMarker('comment', '', 'a_b', SCHEMA));
    expect(databaseMarker('comment', '', 'a%20b', SCHEMA)).not.toBe(databaseMarker('comment', '', 'a b', SCHEMA));
    // No environment is not the same database as any environment.
    expect(databaseMarker('comment', '', ROLES, SCHEMA)).not.toBe(databaseMarker('comment', 'x', ROLES, SCHEMA));
  });

  it('decodes back to what it names (percent-decoding is its inverse)', () => {
    for (const part of ['billing--prod', 'a b', 'a_b', 'ümlaut/ß', '100%', 'x-->y', 'tab\there']) {
      expect(decodeURIComponent(encodePart(part))).toBe(part);
    }
  });

  it('never holds `--` or `>` inside the HTML comment, whatever the names', () => {
    for (const name of ['a--b', 'a---b', '-->', '--!>', 'a->b', 'x<!--y']) {
      const m = databaseMarker('drift', 'e--1', name, `${name}/schema`);
      const inside = m.slice('<!--'.length, -'-->'.length);
      expect(inside).not.toContain('--');
      expect(inside).not.toMatch(/[<>]/);
    }
  });

  it('is what 1.1.0 wrote when that was unambiguous, so those comments and issues are found as they are', () => {
    expect(databaseMarker('comment', '', ROLES, SCHEMA)).toBe('<!-- rds-atlas-action:v1 roles=terraform/roles schema=terraform/schema -->');
    expect(databaseMarker('comment', 'prod', ROLES, SCHEMA)).toBe(oldMarker('prod'));
    expect(databaseMarker('drift', 'staging', ROLES, SCHEMA)).toBe(oldMarker('staging', ROLES, SCHEMA, 'drift:v1'));
  });
});

describe("bodyBelongsTo: an earlier version's collapsed marker", () => {
  const prod = databaseMarker('comment', 'billing-prod', ROLES, SCHEMA);
  const prod2 = databaseMarker('comment', 'billing--prod', ROLES, SCHEMA);

  it('goes to the database its title names, and only to it', () => {
    // Both wrote `env=billing-prod` in 1.1.0.
    expect(oldMarker('billing-prod')).toBe(oldMarker('billing--prod'));
    expect(bodyBelongsTo(prod, oldBody('billing-prod'))).toBe(true);
    expect(bodyBelongsTo(prod2, oldBody('billing-prod'))).toBe(false);
    expect(bodyBelongsTo(prod2, oldBody('billing--prod'))).toBe(true);
    expect(bodyBelongsTo(prod, oldBody('billing--prod'))).toBe(false);
  });

  it('is left alone when the body does not say (a shortened body, a title naming another)', () => {
    const minimal = `${oldMarker('billing-prod')}\n\n> ✂️ This report is too large to show here`;
    expect(bodyBelongsTo(prod, minimal)).toBe(false);
    expect(bodyBelongsTo(prod2, minimal)).toBe(false);
  });

  it('trusts a directory only from its root heading outside code blocks', () => {
    const dash = databaseMarker('comment', '', 'db-one/roles', 'db-one/schema');
    const dashes = databaseMarker('comment', '', 'db--one/roles', 'db--one/schema');
    const body = oldBody('', 'db--one/roles', 'db--one/schema');
    expect(bodyBelongsTo(dashes, body)).toBe(true);
    expect(bodyBelongsTo(dash, body)).toBe(false);
    // SQL quoting the other database's headings in a code block before the real ones.
    const forged = body.replace('### roles ·', '```sql\n### roles · `db-one/roles`\n### schema · `db-one/schema`\n```\n\n### roles ·');
    expect(bodyBelongsTo(dash, forged)).toBe(false);
    expect(bodyBelongsTo(dashes, forged)).toBe(true);
  });

  it('never matches a body that starts with something else', () => {
    expect(bodyBelongsTo(prod, `x${oldBody('billing-prod')}`)).toBe(false);
    expect(bodyBelongsTo(databaseMarker('drift', 'billing-prod', ROLES, SCHEMA), oldBody('billing-prod'))).toBe(false);
  });
});
