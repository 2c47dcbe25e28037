import type { LintContext } from './context.js';
import type { SourceFile } from './files.js';
import { type Attribute, type Block, attribute, blocksOf, dotted } from './hcl-model.js';
import type { Target } from './roots.js';

// Reading atlas.hcl: which env block a root selects, and its schema { mode { … } } switches.

export interface Env {
  config: SourceFile;
  block: Block;
}

/**
 * The env block for `name`: `env "name" { … }`, else an unlabeled `env { name = atlas.env }`,
 * which Atlas uses for whatever env it is asked for.
 */
export function findEnv(config: SourceFile, name: string): Env | undefined {
  if (!config.body) return undefined;
  const envs = blocksOf(config.body, 'env');
  const block =
    envs.find((b) => b.labels[0] === name) ??
    envs.find((b) => b.labels.length === 0 && dotted(attribute(b, 'name')?.value) === 'atlas.env');
  return block ? { config, block } : undefined;
}

/** The env a target selects, when its atlas.hcl was read and parses. */
export function targetEnv(ctx: LintContext, target: Target): Env | undefined {
  const config = target.config ? ctx.configs.get(target.config) : undefined;
  return config ? findEnv(config, target.envName) : undefined;
}

/** `schema { mode { … } }` of an env, if it has one. */
export function modeBlock(env: Env): Block | undefined {
  const schema = blocksOf(env.block, 'schema')[0];
  return schema ? blocksOf(schema, 'mode')[0] : undefined;
}

/** A mode switch: its attribute, if set. */
export function modeFlag(env: Env, name: string): Attribute | undefined {
  const mode = modeBlock(env);
  return mode ? attribute(mode, name) : undefined;
}

/** Labeled env names of a config, for messages. */
export function envNames(config: SourceFile): string[] {
  return config.body ? blocksOf(config.body, 'env').flatMap((b) => b.labels.slice(0, 1)) : [];
}
