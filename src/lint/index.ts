import * as path from 'node:path';
import type { LintContext } from './context.js';
import { Files, type SourceFile } from './files.js';
import { hclParser } from './parser.js';
import { resolveRoot } from './roots.js';
import { finding } from './rules.js';
import { atlasRules } from './rules-atlas.js';
import { permissionRules } from './rules-permissions.js';
import { rolesRules } from './rules-roles.js';
import { rootRules } from './rules-roots.js';
import { backendRules } from './rules-backend.js';
import { schemaRules } from './rules-schema.js';
import type { LintFinding, LintOptions } from './types.js';

// The HCL guardrails: the seed guide's warnings checked statically, before any AWS call, on the
// files the two Terraform roots actually read. Pure apart from reading the workspace.

/** One guardrail finding (rule id, file, line, message), and what lintProject needs to run. */
export type { LintFinding, LintOptions } from './types.js';
/** The check that lint-skip names only real rule ids. */
export { validateRuleIds } from './rules.js';
/**
 * Every guardrail rule (id, severity, what/why/fix).
 * @internal docs and tests read it; the action goes through lintProject.
 */
export { RULES } from './rules.js';

const GROUPS = [rootRules, backendRules, atlasRules, rolesRules, schemaRules, permissionRules] as const;

/**
 * Every finding not skipped, sorted by file, then line. A file that does not parse is a
 * finding, never a crash; this rejects only when the parser itself cannot be loaded (a
 * packaging defect: dist/tree-sitter/ missing).
 */
export async function lintProject(options: LintOptions): Promise<LintFinding[]> {
  const files = new Files(path.resolve(options.workspace), await hclParser());
  const findings: LintFinding[] = [];
  const roles = resolveRoot('roles', options.rolesWorkingDirectory, files, findings);
  const schema = resolveRoot('schema', options.schemaWorkingDirectory, files, findings);

  const configs = new Map<string, SourceFile | undefined>();
  const targets = [...roles.targets, ...schema.targets];
  for (const target of targets) {
    if (target.config === undefined || configs.has(target.config)) continue;
    const loaded = files.load(target.config);
    configs.set(target.config, loaded.kind === 'ok' ? loaded.file : undefined);
    if (loaded.kind === 'ok' || loaded.kind === 'skipped') continue; // skipped: its hcl-limits finding says why
    const users = [...new Set(targets.filter((t) => t.config === target.config).map((t) => t.root))].join(' and ');
    const why = loaded.kind === 'outside' ? 'is outside the workspace' : 'does not exist or cannot be read';
    findings.push(
      finding(
        'hcl-unresolved',
        target.configAt.file,
        target.configAt.line,
        `${files.rel(target.config)}, the atlas.hcl of the ${users} root${users.includes(' and ') ? 's' : ''}, ${why}; the env checks are skipped for it.`,
      ),
    );
  }

  const ctx: LintContext = {
    dbUser: options.dbUser,
    masterUser: options.masterUser ?? 'postgres',
    roles,
    schema,
    configs,
    ...(options.run ? { run: options.run } : {}),
  };
  for (const group of GROUPS) findings.push(...group(ctx));
  findings.push(...files.findings);

  const skip = new Set(options.skip);
  const seen = new Set<string>();
  return findings
    .filter((f) => !skip.has(f.rule))
    .filter((f) => {
      const key = JSON.stringify([f.rule, f.file, f.line, f.message]);
      return !seen.has(key) && seen.add(key);
    })
    .sort((a, b) => compare(a.file, b.file) || a.line - b.line || compare(a.rule, b.rule) || compare(a.message, b.message));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
