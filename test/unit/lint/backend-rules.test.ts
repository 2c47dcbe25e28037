import { describe, expect, it } from 'vitest';
import type { LintOptions } from '../../../src/lint/index.js';
import { lintWith } from './workspace.js';

// state-backend: on a CI runner a root without a remote backend loses its state with the job.

const ROLES = 'terraform/roles';
const SCHEMA = 'terraform/schema';
const NO_BACKEND = { [`${ROLES}/backend.tf`]: null, [`${SCHEMA}/backend.tf`]: null };
const APPLY: Partial<LintOptions> = { run: { ci: true, mode: 'apply', drift: false } };
const PLAN: Partial<LintOptions> = { run: { ci: true, mode: 'plan', drift: false } };
const DRIFT: Partial<LintOptions> = { run: { ci: true, mode: 'plan', drift: true } };

const backendFindings = async (changes: Record<string, string | null>, options: Partial<LintOptions>) =>
  (await lintWith(changes, options)).filter((f) => f.rule === 'state-backend');

describe('state-backend', () => {
  it("in apply mode, an error per root at its main.tf's terraform block: the state would be lost, and how to fix it", async () => {
    const findings = await backendFindings(NO_BACKEND, APPLY);
    expect(findings.map((f) => [f.severity, f.file, f.line])).toEqual([
      ['error', `${ROLES}/main.tf`, 1],
      ['error', `${SCHEMA}/main.tf`, 1],
    ]);
    expect(findings[0]!.message).toBe(
      'The roles root (terraform/roles) declares no remote state backend (no backend or cloud block in its .tf files, override files included), so Terraform keeps its state in terraform/roles/terraform.tfstate inside the runner\'s checkout, which is deleted when the job ends. This apply\'s state would be lost with it, and every later run would start from empty state, as on the provider\'s first run: a DROP fails with "Unrecognized schema resources", and what was applied is never recorded for the next plan, the reviewed-plan gate or a drift check. Declare a remote backend in terraform/roles, e.g. terraform { backend "s3" { key = "roles.tfstate", use_lockfile = true } } with the bucket and region passed as TF_CLI_ARGS_init: -backend-config=bucket=… -backend-config=region=… (as in examples/seed/terraform/roles/backend.tf), or skip state-backend if the state is kept another way.',
    );
  });

  it('in plan and drift runs, a warning that says what follows', async () => {
    const plan = await backendFindings({ [`${SCHEMA}/backend.tf`]: null }, PLAN);
    expect(plan.map((f) => [f.severity, f.file, f.line])).toEqual([['warning', `${SCHEMA}/main.tf`, 1]]);
    expect(plan[0]!.message).toContain(
      'Every plan therefore starts from empty state, as on the provider\'s first run: a DROP fails with "Unrecognized schema resources". And a merge would not apply this plan: in apply mode this rule is an error, since the state written would be lost.',
    );
    const drift = await backendFindings({ [`${SCHEMA}/backend.tf`]: null }, DRIFT);
    expect(drift.map((f) => f.severity)).toEqual(['warning']);
    expect(drift[0]!.message).toContain(
      'In this drift check, an object made by hand that Atlas would drop fails the plan instead of showing up as drift.',
    );
  });

  it('backend "local" is no remote backend: reported at that block', async () => {
    const local = { [`${ROLES}/backend.tf`]: 'terraform {\n  backend "local" {\n    path = "x.tfstate"\n  }\n}\n' };
    const findings = await backendFindings(local, APPLY);
    expect(findings.map((f) => [f.file, f.line])).toEqual([[`${ROLES}/backend.tf`, 2]]);
    expect(findings[0]!.message).toMatch(/^The roles root \(terraform\/roles\) declares backend "local", so Terraform keeps its state/);
  });

  it('Terraform\'s override files count: a backend there is a backend, and backend "local" there replaces the file\'s', async () => {
    const pgOverride = 'terraform {\n  backend "pg" {\n    schema_name = "x"\n  }\n}\n';
    expect(
      await backendFindings({ ...NO_BACKEND, [`${ROLES}/backend_override.tf`]: pgOverride, [`${SCHEMA}/override.tf`]: pgOverride }, APPLY),
    ).toEqual([]);
    const localOverride = { [`${SCHEMA}/zz_override.tf`]: 'terraform {\n  backend "local" {}\n}\n' };
    expect((await backendFindings(localOverride, APPLY)).map((f) => [f.file, f.line])).toEqual([[`${SCHEMA}/zz_override.tf`, 2]]);
    // A backend_override.tf-like name that is not an override file does not replace anything.
    expect(await backendFindings({ [`${SCHEMA}/override_local.tf`]: 'terraform {\n  backend "local" {}\n}\n' }, APPLY)).toHaveLength(1);
  });

  it('a cloud block, the seed as shipped, a run outside CI, no run facts, and lint-skip: nothing', async () => {
    const cloud = { ...NO_BACKEND, [`${ROLES}/cloud.tf`]: 'terraform {\n  cloud {\n    organization = "acme"\n  }\n}\n' };
    expect((await backendFindings(cloud, APPLY)).map((f) => f.file)).toEqual([`${SCHEMA}/main.tf`]);
    expect(await backendFindings({}, APPLY)).toEqual([]);
    expect(await backendFindings(NO_BACKEND, { run: { ci: false, mode: 'apply', drift: false } })).toEqual([]);
    expect(await backendFindings(NO_BACKEND, {})).toEqual([]);
    expect(await backendFindings(NO_BACKEND, { ...APPLY, skip: ['state-backend'] })).toEqual([]);
  });
});
