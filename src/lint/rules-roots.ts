import * as path from 'node:path';
import type { LintContext } from './context.js';
import { type Expr, blocksOf, dotted, stringValue } from './hcl-model.js';
import { GUIDE, mainFile, type Place, type Root, type Target } from './roots.js';
import { finding, quote } from './rules.js';
import type { LintFinding } from './types.js';

// The Terraform roots: root-hcl-dir, roots-share-files, provider-version.

export function rootRules(ctx: LintContext): LintFinding[] {
  return [...hclDirs(ctx), ...sharedFiles(ctx), ...providerVersions(ctx)];
}

const ROOT_REASON = {
  roles:
    'The guide keeps role HCL in hcl/roles so the schema state never sees role definitions, and the default roles-paths (hcl/roles/**) decides when the roles root runs: a roles file elsewhere changes without the roles root running.',
  schema:
    'The guide keeps schema HCL in hcl/schema, apart from the role HCL, so the schema state never sees role definitions and the roles state never sees application objects.',
} as const;

function hclDirs(ctx: LintContext): LintFinding[] {
  return [...ctx.roles.targets, ...ctx.schema.targets].flatMap((target) => {
    if (!target.hclResolved || !target.address) return [];
    const expected = GUIDE[target.root].hclDir;
    const elsewhere = [...new Set(target.hclFiles.map((f) => path.posix.dirname(f.rel)))].filter(
      (dir) => dir !== expected && !dir.startsWith(`${expected}/`),
    );
    if (elsewhere.length === 0) return [];
    return [
      finding(
        'root-hcl-dir',
        target.hclAt.file,
        target.hclAt.line,
        `${target.address} (the ${target.root} root) reads HCL from ${elsewhere.join(', ')}, not from ${expected} as the guide lays it out. ${ROOT_REASON[target.root]} Point its fileset() at ${expected}; with another layout on purpose, set roles-paths to match and skip root-hcl-dir.`,
      ),
    ];
  });
}

function sharedFiles(ctx: LintContext): LintFinding[] {
  return ctx.schema.targets.flatMap((schema) =>
    ctx.roles.targets.flatMap((roles) => {
      const rolesFiles = new Set(roles.hclFiles.map((f) => f.abs));
      const shared = schema.hclFiles.filter((f) => rolesFiles.has(f.abs)).map((f) => f.rel);
      if (shared.length === 0) return [];
      const listed = shared.length > 5 ? `${shared.slice(0, 5).join(', ')} and ${shared.length - 5} more` : shared.join(', ');
      return [
        finding(
          'roots-share-files',
          schema.hclAt.file,
          schema.hclAt.line,
          `The roles root (${name(roles)}) and the schema root (${name(schema)}) both read ${listed}. The guide: do not combine role and schema HCL in the same atlas_schema resource; a file read by both states is owned by both, and the schema state then plans role SQL as ${ctx.dbUser}, which should not have permission to create roles. Give each root its own directory: ${GUIDE.roles.hclDir} for the roles root, ${GUIDE.schema.hclDir} for the schema root.`,
        ),
      ];
    }),
  );
}

const name = (t: Target): string => t.address ?? `the guide's ${GUIDE[t.root].hclDir}`;

interface Pin {
  root: Root;
  /** The exact version pinned, or undefined when the provider is not pinned to one version. */
  exact: string | undefined;
  /** The version constraint as written, if any. */
  written: string | undefined;
  at: Place;
}

/** `= 0.10.3`, `0.10.3` or `=v0.10.3`: one exact version. Anything else (`~>`, `>=`, ranges) is not a pin. */
const EXACT = /^\s*=?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\s*$/;

function providerVersions(ctx: LintContext): LintFinding[] {
  const pins = [pinOf(ctx.roles), pinOf(ctx.schema)].filter((p): p is Pin => p !== undefined);
  const exact = pins.filter((p) => p.exact !== undefined);
  const suggestion = exact[0]?.exact ?? '0.10.3';
  const out = pins
    .filter((p) => p.exact === undefined)
    .map((p) =>
      finding(
        'provider-version',
        p.at.file,
        p.at.line,
        `The ${p.root.kind} root (${p.root.dir}) does not pin the ariga/atlas provider to one version (${p.written === undefined ? 'no version constraint' : `version = ${quote(p.written)}`}). What the provider plans depends on its version, and an unpinned provider can change between the reviewed plan and the apply; the guide pins version = "= 0.10.3" in both roots. Pin it: version = "= ${suggestion}".`,
        'warning',
      ),
    );
  const roles = exact.find((p) => p.root.kind === 'roles');
  const schema = exact.find((p) => p.root.kind === 'schema');
  if (roles && schema && roles.exact !== schema.exact) {
    out.push(
      finding(
        'provider-version',
        schema.at.file,
        schema.at.line,
        `The roles root (${roles.root.dir}) pins ariga/atlas ${roles.exact} but the schema root (${schema.root.dir}) pins ${schema.exact}. What the provider plans depends on its version, and the guide pins the same version = "= 0.10.3" in both roots. Pin the same exact version in both.`,
      ),
    );
  }
  return out;
}

/** The root's ariga/atlas requirement; undefined when its .tf files are missing or do not parse (other findings cover that). */
function pinOf(root: Root): Pin | undefined {
  const first = mainFile(root.tfFiles);
  if (!first) return undefined;
  for (const file of root.tfFiles) {
    const requirements = blocksOf(file.body ?? { attributes: [], blocks: [] }, 'terraform').flatMap((t) =>
      blocksOf(t, 'required_providers'),
    );
    for (const attr of requirements.flatMap((r) => r.attributes)) {
      if (attr.value.kind !== 'object') continue;
      const entries = attr.value.entries;
      const entry = (key: string): Expr | undefined => entries.find((e) => stringValue(e.key) === key || dotted(e.key) === key)?.value;
      const source = stringValue(entry('source'))?.toLowerCase();
      if (source !== 'ariga/atlas' && source !== 'registry.terraform.io/ariga/atlas') continue;
      const version = entry('version');
      const written = stringValue(version);
      return {
        root,
        exact: written !== undefined ? EXACT.exec(written)?.[1] : undefined,
        written,
        at: { file: file.rel, line: version?.line ?? attr.line },
      };
    }
  }
  // A .tf file that does not parse may hold the requirement: hcl-syntax already reports it.
  if (root.tfFiles.some((f) => !f.body)) return undefined;
  return { root, exact: undefined, written: undefined, at: { file: first.rel, line: 1 } };
}
