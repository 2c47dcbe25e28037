import { modeFlag, targetEnv } from './atlas-config.js';
import type { LintContext } from './context.js';
import type { SourceFile } from './files.js';
import { type Block, type Expr, attribute, blocksOf, boolValue, dotted, items, stringValue } from './hcl-model.js';
import type { Target } from './roots.js';
import { finding, quote } from './rules.js';
import type { LintFinding } from './types.js';

// public-default-revoked: PostgreSQL grants USAGE on schema public and EXECUTE on every new
// function or procedure to PUBLIC. With permission inspection on, HCL is fully declarative:
// any default the HCL does not declare, Atlas revokes (for a routine, right after the CREATE).

interface Grant {
  /** `for` as a traversal: kind and path, e.g. ["schema", "public"] or ["function", "public", "f"]. */
  target: string[];
  privileges: string[];
}

export function permissionRules(ctx: LintContext): LintFinding[] {
  return [...ctx.roles.targets, ...ctx.schema.targets].flatMap((target) => checkTarget(ctx, target));
}

function checkTarget(ctx: LintContext, target: Target): LintFinding[] {
  const env = targetEnv(ctx, target);
  if (!env || boolValue(modeFlag(env, 'permissions')?.value) !== true) return [];
  const routinesInspected = boolValue(modeFlag(env, 'funcs')?.value) !== false;
  const grants = target.hclFiles.flatMap((f) => publicGrants(f.body?.blocks ?? []));
  const inspects = `env ${quote(target.envName)} inspects permissions (permissions = true in its schema mode in ${env.config.rel})`;

  return target.hclFiles.flatMap((file) =>
    (file.body?.blocks ?? []).flatMap((block) => {
      if (block.type === 'schema' && block.labels[0] === 'public' && block.labels.length === 1) {
        if (granted(grants, ['schema', 'public'], 'USAGE')) return [];
        return [
          finding(
            'public-default-revoked',
            file.rel,
            block.line,
            `schema "public" is declared and ${inspects}, but no permission grants USAGE on it to PUBLIC. PostgreSQL grants that by default and HCL is fully declarative, so Atlas will plan REVOKE USAGE ON SCHEMA "public" FROM PUBLIC. Declare the default: permission { to = PUBLIC, for = schema.public, privileges = [USAGE] }, or skip public-default-revoked if the REVOKE is intended.`,
          ),
        ];
      }
      if ((block.type === 'function' || block.type === 'procedure') && routinesInspected) {
        const routine = routineOf(file, block);
        if (!routine || granted(grants, [block.type, ...routine.ref], 'EXECUTE')) return [];
        const keyword = block.type.toUpperCase();
        return [
          finding(
            'public-default-revoked',
            file.rel,
            block.line,
            `${block.type} ${quote(routine.name)} is declared and ${inspects}, but no permission grants EXECUTE on it to PUBLIC. PostgreSQL grants EXECUTE to PUBLIC when it creates a ${block.type}, so Atlas will plan REVOKE EXECUTE ON ${keyword} ${routine.signature} FROM PUBLIC after the CREATE. Declare the default: permission { to = PUBLIC, for = ${block.type}.${routine.ref.join('.')}, privileges = [EXECUTE] }, or skip public-default-revoked if the REVOKE is intended.`,
          ),
        ];
      }
      return [];
    }),
  );
}

/** Permissions granted to PUBLIC, from top-level permission blocks. */
function publicGrants(blocks: Block[]): Grant[] {
  return blocksOf({ attributes: [], blocks }, 'permission').flatMap((p) => {
    const to = items(attribute(p, 'to')?.value);
    const target = attribute(p, 'for')?.value;
    if (!to.some(isPublic) || target?.kind !== 'traversal') return [];
    const privileges = items(attribute(p, 'privileges')?.value).flatMap((e) =>
      e.kind === 'traversal' && e.path.length === 0 ? [e.root] : [],
    );
    return [{ target: [target.root, ...target.path], privileges }];
  });
}

const isPublic = (e: Expr): boolean => dotted(e) === 'PUBLIC' || stringValue(e) === 'PUBLIC';

/**
 * A grant covers a routine referenced as kind.name or kind.schema.name (Atlas qualifies the
 * reference when names repeat across schemas); `want` is [kind, schema, name] or [kind, name].
 */
function granted(grants: Grant[], want: string[], privilege: string): boolean {
  const [kind, ...rest] = want;
  const name = rest[rest.length - 1];
  return grants.some(
    (g) =>
      g.target[0] === kind &&
      g.target[g.target.length - 1] === name &&
      (g.target.length === 2 || (g.target.length === 3 && rest.length === 2 && g.target[1] === rest[0])) &&
      (g.privileges.includes(privilege) || g.privileges.includes('ALL')),
  );
}

interface Routine {
  name: string;
  /** How a permission refers to it: [name], or [schema, name] for `function "schema" "name"`. */
  ref: string[];
  /** As Atlas prints it in SQL: "schema"."name"(argument types). */
  signature: string;
}

function routineOf(file: SourceFile, block: Block): Routine | undefined {
  const qualified = block.labels.length >= 2;
  const name = qualified ? block.labels[1] : block.labels[0];
  if (name === undefined) return undefined;
  const schemaRef = attribute(block, 'schema')?.value;
  const schema = qualified
    ? block.labels[0]!
    : schemaRef?.kind === 'traversal' && schemaRef.root === 'schema'
      ? schemaRef.path[0]
      : undefined;
  const args = blocksOf(block, 'arg')
    .filter((arg) => !/^(OUT|TABLE)$/.test(dotted(attribute(arg, 'mode')?.value) ?? ''))
    .map((arg) => {
      const type = attribute(arg, 'type')?.value;
      return type ? file.source.slice(type.start, type.end).replace(/\s+/g, ' ').slice(0, 64) : '?';
    });
  const signature = `${schema !== undefined ? `${ident(schema)}.` : ''}${ident(name)}(${args.join(', ')})`;
  return { name, ref: qualified ? [block.labels[0]!, name] : [name], signature };
}

/** A SQL identifier as Atlas quotes it, kept to one line and 64 characters. */
function ident(name: string): string {
  const printable = [...name].filter((c) => c >= ' ' && c !== '\u007f').join('');
  return `"${printable.slice(0, 64).replace(/"/g, '""')}"`;
}
