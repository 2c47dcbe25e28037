import { describe, expect, it } from 'vitest';
import { logGroups, rootGroupProblems } from '../support/log-groups.js';

// The check the end-to-end tests apply to a plan run's log (test/support/log-groups.ts): each
// root's lines in one whole group, roles first. It must catch every way side-by-side plans
// could leak into each other's groups.

const root = (name: 'roles' | 'schema', resource: string): string[] => [
  `::group::${name}: terraform init and plan`,
  `$ terraform init -input=false -json  (in /tmp/checkout-x/terraform/${name})`,
  'Terraform has been successfully initialized!',
  `$ terraform plan -input=false -json  (in /tmp/checkout-x/terraform/${name})`,
  `${resource}: Refreshing state... [id=1]`,
  `${name}: no changes`,
  '::endgroup::',
];
const good = ['Roles root: runs.', ...root('roles', 'atlas_schema.roles'), ...root('schema', 'atlas_schema.app'), 'Result: ✅'];

describe('root log groups', () => {
  it('accepts two whole groups, roles first', () => {
    expect(rootGroupProblems(good.join('\n'))).toEqual([]);
    expect(logGroups(good.join('\n')).groups.map((g) => g.lines.length)).toEqual([5, 5]);
  });

  it('names a line of one root inside the other root group, or outside both', () => {
    const interleaved = [...good];
    interleaved.splice(4, 0, 'atlas_schema.app: Refreshing state... [id=2]');
    expect(rootGroupProblems(interleaved.join('\n'))).toEqual([
      'a schema line inside the roles group: atlas_schema.app: Refreshing state... [id=2]',
    ]);
    expect(rootGroupProblems([...good, 'roles: no changes'].join('\n'))).toEqual(['a roles line outside its group: roles: no changes']);
  });

  it('names groups out of order, nested, unterminated or missing their commands', () => {
    const swapped = [...root('schema', 'atlas_schema.app'), ...root('roles', 'atlas_schema.roles')];
    expect(rootGroupProblems(swapped.join('\n'))).toEqual([
      'root groups are ["schema: terraform init and plan","roles: terraform init and plan"]',
    ]);
    const nested = good.filter((_, i) => i !== 7);
    expect(rootGroupProblems(nested.join('\n'))[0]).toBe(
      'group "schema: terraform init and plan" starts inside group "roles: terraform init and plan"',
    );
    expect(rootGroupProblems(good.slice(0, -2).join('\n'))).toContain('group "schema: terraform init and plan" never ends');
    const noPlan = good.filter((l) => !l.startsWith('$ terraform plan') || !l.includes('/roles)'));
    expect(rootGroupProblems(noPlan.join('\n'))).toEqual(['the roles group lacks its terraform plan']);
  });
});
