import * as path from 'node:path';
import type { LintContext } from './context.js';
import type { SourceFile } from './files.js';
import { type Block, blocksOf } from './hcl-model.js';
import { mainFile, type Place, type Root } from './roots.js';
import { finding, quote } from './rules.js';
import type { LintFinding } from './types.js';

// state-backend: a root that keeps its Terraform state in the runner's checkout. On a CI runner
// the checkout is deleted with the job, so the state is too: an apply's record of what it
// created is lost, and every later plan is the provider's first run.

/** Terraform's override files: `override.tf` and `*_override.tf`, merged after the others. */
const OVERRIDE = /^(?:.+_)?override\.tf$/;

interface Backend {
  /** `s3`, `pg`, …, or `cloud` for a cloud block. */
  type: string;
  at: Place;
}

export function backendRules(ctx: LintContext): LintFinding[] {
  const run = ctx.run;
  if (!run?.ci) return [];
  const roots = ctx.roles.dir === ctx.schema.dir ? [ctx.roles] : [ctx.roles, ctx.schema];
  return roots.flatMap((root) => {
    // No .tf files, or one that does not parse: terraform fails first, and other rules say so.
    if (root.tfFiles.length === 0 || root.tfFiles.some((f) => !f.body)) return [];
    const backend = effectiveBackend(root.tfFiles);
    if (backend && backend.type !== 'local') return [];
    const at = backend?.at ?? mainPlace(root);
    const what = backend
      ? `The ${root.kind} root (${root.dir}) declares backend "local"`
      : `The ${root.kind} root (${root.dir}) declares no remote state backend (no backend or cloud block in its .tf files, override files included)`;
    const where = `so Terraform keeps its state in ${root.dir}/terraform.tfstate inside the runner's checkout, which is deleted when the job ends.`;
    return [
      run.mode === 'apply'
        ? finding('state-backend', at.file, at.line, `${what}, ${where} ${APPLY_CONSEQUENCE} ${fix(root)}`, 'error')
        : finding('state-backend', at.file, at.line, `${what}, ${where} ${planConsequence(run.drift)} ${fix(root)}`, 'warning'),
    ];
  });
}

const APPLY_CONSEQUENCE =
  'This apply\'s state would be lost with it, and every later run would start from empty state, as on the provider\'s first run: a DROP fails with "Unrecognized schema resources", and what was applied is never recorded for the next plan, the reviewed-plan gate or a drift check.';

function planConsequence(drift: boolean): string {
  const first =
    'Every plan therefore starts from empty state, as on the provider\'s first run: a DROP fails with "Unrecognized schema resources".';
  return drift
    ? `${first} In this drift check, an object made by hand that Atlas would drop fails the plan instead of showing up as drift.`
    : `${first} And a merge would not apply this plan: in apply mode this rule is an error, since the state written would be lost.`;
}

function fix(root: Root): string {
  const key = `${path.posix.basename(root.dir) || root.kind}.tfstate`;
  return `Declare a remote backend in ${root.dir}, e.g. terraform { backend "s3" { key = ${quote(key)}, use_lockfile = true } } with the bucket and region passed as TF_CLI_ARGS_init: -backend-config=bucket=… -backend-config=region=… (as in examples/seed/terraform/${root.kind}/backend.tf), or skip state-backend if the state is kept another way.`;
}

/**
 * The backend Terraform would use: the last one in the primary files, replaced by one in an
 * override file (override files are merged in lexical order, the last one wins).
 */
function effectiveBackend(files: readonly SourceFile[]): Backend | undefined {
  const isOverride = (f: SourceFile): boolean => OVERRIDE.test(path.posix.basename(f.rel));
  let backend: Backend | undefined;
  for (const file of [...files.filter((f) => !isOverride(f)), ...files.filter(isOverride)]) {
    backend = backendOf(file) ?? backend;
  }
  return backend;
}

function backendOf(file: SourceFile): Backend | undefined {
  let found: Backend | undefined;
  for (const terraform of blocksOf(file.body ?? { attributes: [], blocks: [] }, 'terraform')) {
    const blocks: Block[] = [...blocksOf(terraform, 'backend'), ...blocksOf(terraform, 'cloud')];
    for (const b of blocks) found = { type: b.type === 'cloud' ? 'cloud' : (b.labels[0] ?? ''), at: { file: file.rel, line: b.line } };
  }
  return found;
}

/** The root's main.tf (its terraform block, else line 1), or its first .tf file. */
function mainPlace(root: Root): Place {
  const main = mainFile(root.tfFiles)!;
  const terraform = blocksOf(main.body ?? { attributes: [], blocks: [] }, 'terraform')[0];
  return { file: main.rel, line: terraform?.line ?? 1 };
}
