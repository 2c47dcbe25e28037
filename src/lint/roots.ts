import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { type Block, attribute, blocksOf, stringValue } from './hcl-model.js';
import { Unresolvable, evaluate, fileset, type Scope } from './evaluate.js';
import type { Files, SourceFile } from './files.js';
import { finding } from './rules.js';
import type { LintFinding } from './types.js';

// Which files does each Terraform root hand to Atlas? Read from the root's own *.tf files: the
// atlas_schema resource's env_name, config = file(".../atlas.hcl") and hcl built from
// fileset(), as in the guide. What cannot be read that way falls back to the guide's layout,
// with an hcl-unresolved warning that says what was assumed.

export type RootKind = 'roles' | 'schema';

/** The guide's layout, workspace-relative: what each root reads when its *.tf does not say. */
export const GUIDE = {
  roles: { hclDir: 'hcl/roles', env: 'roles' },
  schema: { hclDir: 'hcl/schema', env: 'schema' },
} as const;
export const GUIDE_PATTERN = '*.pg.hcl';
export const GUIDE_CONFIG = 'atlas.hcl';

export interface Place {
  file: string;
  line: number;
}

export interface Target {
  root: RootKind;
  /** `atlas_schema.<name>`, or undefined when the root has none and the guide's layout is assumed. */
  address: string | undefined;
  /** The env the resource selects (env_name), or the guide's when it does not say. */
  envName: string;
  /** True when env_name did not say and the guide's env name is assumed. */
  envAssumed: boolean;
  envAt: Place;
  /** Absolute path of atlas.hcl, or undefined when it is outside the workspace. */
  config: string | undefined;
  configAt: Place;
  /** The HCL files Atlas gets, in order, each read once. */
  hclFiles: SourceFile[];
  hclAt: Place;
  /** False when the files are the guide's fallback, not read from the root's *.tf. */
  hclResolved: boolean;
}

export interface Root {
  kind: RootKind;
  /** Workspace-relative working directory. */
  dir: string;
  tfFiles: SourceFile[];
  targets: Target[];
}

/** Where a finding about the root as a whole goes: its main.tf, else its first .tf file. */
export function mainFile(tfFiles: readonly SourceFile[]): SourceFile | undefined {
  return tfFiles.find((f) => path.posix.basename(f.rel) === 'main.tf') ?? tfFiles[0];
}

export function resolveRoot(kind: RootKind, dir: string, files: Files, findings: LintFinding[]): Root {
  const absDir = path.resolve(files.workspace, dir);
  const relDir = files.rel(absDir);
  const tfFiles: SourceFile[] = [];
  for (const name of tfNames(absDir, files)) {
    const loaded = files.load(path.join(absDir, name));
    if (loaded.kind === 'ok') tfFiles.push(loaded.file);
  }
  const unresolved: Report = (at, message) => void findings.push(finding('hcl-unresolved', at.file, at.line, message));
  const fallbackNote = `The guardrails checked ${GUIDE[kind].hclDir}/${GUIDE_PATTERN}, env "${GUIDE[kind].env}" and ${GUIDE_CONFIG} instead, the guide's layout for the ${kind} root.`;

  const bodies = tfFiles.flatMap((f) => (f.body ? [{ file: f, body: f.body }] : []));
  const resources = bodies.flatMap(({ file, body }) =>
    blocksOf(body, 'resource')
      .filter((b) => b.labels[0] === 'atlas_schema')
      .map((block) => ({ file, block })),
  );
  if (resources.length === 0) {
    const first = mainFile(tfFiles);
    const why =
      tfFiles.length === 0
        ? `${relDir} has no .tf files`
        : bodies.length < tfFiles.length
          ? `no resource "atlas_schema" found in the ${kind} root (${relDir}), and some of its .tf files do not parse`
          : `no resource "atlas_schema" found in the ${kind} root (${relDir})`;
    const at = { file: first?.rel ?? relDir, line: 1 };
    unresolved(at, `${why}. ${fallbackNote}`);
    return { kind, dir: relDir, tfFiles, targets: [fallback(kind, files, at, unresolved)] };
  }

  const scope: Scope = {
    moduleDir: absDir,
    workspace: files.workspace,
    locals: new Map(
      bodies.flatMap(({ body }) => blocksOf(body, 'locals').flatMap((l) => l.attributes.map((a) => [a.name, a.value] as const))),
    ),
    schemaData: new Map(
      bodies.flatMap(({ body }) =>
        blocksOf(body, 'data')
          .filter((d) => d.labels[0] === 'atlas_schema' && d.labels[1] !== undefined)
          .map((d) => [d.labels[1]!, d] as const),
      ),
    ),
  };
  const targets: Target[] = [];
  for (const { file, block } of resources) {
    targets.push(resolveResource(kind, file, block, scope, files, unresolved));
  }
  return { kind, dir: relDir, tfFiles, targets };
}

function tfNames(absDir: string, files: Files): string[] {
  if (!files.insideReal(absDir)) return [];
  try {
    return readdirSync(absDir, { withFileTypes: true })
      .filter((e) => !e.isDirectory() && e.name.endsWith('.tf'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function resolveResource(kind: RootKind, file: SourceFile, block: Block, scope: Scope, files: Files, unresolved: Report): Target {
  const address = `atlas_schema.${block.labels[1] ?? ''}`;
  const what = `${address} (${file.rel})`;
  const at = (name: string): Place => ({ file: file.rel, line: attribute(block, name)?.line ?? block.line });

  const envAttr = attribute(block, 'env_name');
  let envName = stringValue(envAttr?.value);
  const envAssumed = envName === undefined;
  if (envName === undefined) {
    envName = GUIDE[kind].env;
    unresolved(
      at('env_name'),
      `${what} ${envAttr ? 'sets env_name to something other than a string' : 'sets no env_name'}, so the lint cannot tell which env of atlas.hcl it uses; the env checks assume env "${envName}", the guide's. Set env_name = "${envName}" as the guide does.`,
    );
  }
  const config = resolveConfig(block, scope, files, what, at('config'), unresolved);
  const hcl = resolveHcl(kind, block, scope, files, what, at('hcl'), unresolved);
  return { root: kind, address, envName, envAssumed, envAt: at('env_name'), config, configAt: at('config'), ...hcl, hclAt: at('hcl') };
}

type Report = (at: Place, message: string) => void;

function resolveConfig(block: Block, scope: Scope, files: Files, what: string, at: Place, unresolved: Report): string | undefined {
  let config: string;
  try {
    const attr = attribute(block, 'config');
    if (!attr) throw new Unresolvable('it sets no config');
    const value = evaluate(attr.value, scope);
    if (value.kind !== 'files' || value.paths.length !== 1) throw new Unresolvable('its config is not the content of one file');
    config = value.paths[0]!;
  } catch (err) {
    config = path.join(files.workspace, GUIDE_CONFIG);
    unresolved(
      at,
      `Could not tell which atlas.hcl ${what} uses (${reason(err)}); the env checks read ${GUIDE_CONFIG} at the workspace root instead. Set config = file("\${path.module}/../../atlas.hcl") as the guide does.`,
    );
  }
  if (files.inside(config)) return config;
  unresolved(
    at,
    `${what} reads its atlas.hcl from outside the workspace (${files.rel(config)}); the lint does not read it, so the env checks are skipped.`,
  );
  return undefined;
}

function resolveHcl(
  kind: RootKind,
  block: Block,
  scope: Scope,
  files: Files,
  what: string,
  at: Place,
  unresolved: Report,
): { hclFiles: SourceFile[]; hclResolved: boolean } {
  let paths: string[];
  try {
    const attr = attribute(block, 'hcl');
    if (!attr) throw new Unresolvable('nothing (no hcl attribute)');
    const value = evaluate(attr.value, scope);
    if (value.kind === 'string') {
      unresolved(
        at,
        `${what} passes its HCL inline, not from files; the lint does not check inline HCL. Keep the HCL in ${GUIDE[kind].hclDir}/${GUIDE_PATTERN} as the guide does.`,
      );
      return { hclFiles: [], hclResolved: true };
    }
    if (value.kind !== 'files') throw new Unresolvable('a list where the HCL text belongs');
    paths = value.paths;
  } catch (err) {
    unresolved(
      at,
      `Could not tell which HCL files ${what} gives Atlas: its hcl attribute uses ${reason(err)}. The guardrails checked ${GUIDE[kind].hclDir}/${GUIDE_PATTERN} instead, the guide's layout. Build hcl from fileset("\${path.module}/../../${GUIDE[kind].hclDir}", "${GUIDE_PATTERN}") joined with file() as the guide does, or skip hcl-unresolved.`,
    );
    return { hclFiles: guideFiles(kind, files, at, unresolved), hclResolved: false };
  }
  if (paths.length === 0)
    unresolved(
      at,
      `The hcl attribute of ${what} matches no file, so Atlas gets no HCL from this root. Check the fileset() directory and pattern.`,
    );
  return { hclFiles: loadAll(paths, files, at, what, unresolved), hclResolved: true };
}

function guideFiles(kind: RootKind, files: Files, at: Place, unresolved: Report): SourceFile[] {
  const dir = path.join(files.workspace, GUIDE[kind].hclDir);
  let names: string[];
  try {
    names = fileset(dir, GUIDE_PATTERN, files.workspace);
  } catch (err) {
    unresolved(at, `The fallback for the ${kind} root (${GUIDE[kind].hclDir}/${GUIDE_PATTERN}) was not read: ${reason(err)}.`);
    return [];
  }
  const what = `The fallback for the ${kind} root (${GUIDE[kind].hclDir}/${GUIDE_PATTERN})`;
  return loadAll(
    names.map((n) => path.join(dir, n)),
    files,
    at,
    what,
    unresolved,
  );
}

function fallback(kind: RootKind, files: Files, at: Place, unresolved: Report): Target {
  return {
    root: kind,
    address: undefined,
    envName: GUIDE[kind].env,
    envAssumed: true,
    envAt: at,
    config: path.join(files.workspace, GUIDE_CONFIG),
    configAt: at,
    hclFiles: guideFiles(kind, files, at, unresolved),
    hclAt: at,
    hclResolved: false,
  };
}

function loadAll(paths: string[], files: Files, at: Place, what: string, unresolved: Report): SourceFile[] {
  const out: SourceFile[] = [];
  for (const abs of new Set(paths)) {
    const loaded = files.load(abs);
    if (loaded.kind === 'ok') out.push(loaded.file);
    else if (loaded.kind === 'skipped')
      continue; // its hcl-limits finding says why
    else if (loaded.kind === 'outside')
      unresolved(at, `${what} reads ${files.rel(abs)}, outside the workspace; the lint does not read it.`);
    else unresolved(at, `${what} reads ${files.rel(abs)}, which does not exist or cannot be read; terraform plan would fail on it.`);
  }
  return out;
}

function reason(err: unknown): string {
  if (err instanceof Unresolvable) return err.message;
  throw err;
}
