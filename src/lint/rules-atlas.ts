import { envNames, findEnv, modeBlock, modeFlag, targetEnv } from './atlas-config.js';
import type { LintContext } from './context.js';
import { type Expr, attribute, blocksOf, boolValue, traversals } from './hcl-model.js';
import { finding, quote } from './rules.js';
import type { LintFinding } from './types.js';

// atlas.hcl: env-missing, iam-url-sslmode, roles-env-mode, schema-env-roles. dev_url being
// unset is the guide's choice and is not reported.

/** What the roles env must switch off so that the roles state owns no application schema. */
const ROLES_ENV_OFF = ['tables', 'views', 'funcs', 'types', 'objects', 'triggers'] as const;
const SSL_MODES = new Set(['require', 'verify-ca', 'verify-full']);
/** Stands for an interpolated part of a url, whose value the lint cannot know. */
const UNKNOWN = '\u0000';

export function atlasRules(ctx: LintContext): LintFinding[] {
  return [...envMissing(ctx), ...iamUrlSslmode(ctx), ...rolesEnvMode(ctx), ...schemaEnvRoles(ctx)];
}

function envMissing(ctx: LintContext): LintFinding[] {
  return [...ctx.roles.targets, ...ctx.schema.targets].flatMap((target) => {
    const config = target.config ? ctx.configs.get(target.config) : undefined;
    if (target.envAssumed || !config?.body || findEnv(config, target.envName)) return [];
    const defined = envNames(config);
    return [
      finding(
        'env-missing',
        target.envAt.file,
        target.envAt.line,
        `env_name = ${quote(target.envName)} in ${target.address ?? 'the ' + target.root + ' root'} names an env that ${config.rel} does not define (${defined.length > 0 ? `it defines ${defined.map(quote).join(', ')}` : 'it defines none'}). The provider configures Atlas from that env (its url and schema mode), so terraform plan fails without it. Add env ${quote(target.envName)} to ${config.rel} or correct env_name.`,
      ),
    ];
  });
}

function iamUrlSslmode(ctx: LintContext): LintFinding[] {
  return [...ctx.configs.values()].flatMap((config) => {
    if (!config?.body) return [];
    return blocksOf(config.body, 'env').flatMap((env) => {
      const url = attribute(env, 'url');
      if (!url || !traversals(url.value).some((t) => t.root === 'data' && t.path[0] === 'aws_rds_token')) return [];
      const sslmode = sslmodeOf(url.value);
      if (sslmode === UNKNOWN || (sslmode !== undefined && SSL_MODES.has(sslmode))) return [];
      const name = env.labels[0] !== undefined ? `env ${quote(env.labels[0])}` : 'The unlabeled env';
      const has = sslmode === undefined ? 'has no sslmode' : `sets sslmode=${quote(sslmode)}`;
      return [
        finding(
          'iam-url-sslmode',
          config.rel,
          url.line,
          `${name} connects with an RDS IAM token (data.aws_rds_token) but its url ${has}. RDS accepts IAM authentication only over SSL, and the guide uses sslmode=require with an IAM token. End the url with ?sslmode=require (or verify-full with the RDS CA bundle).`,
        ),
      ];
    });
  });
}

/** The url's sslmode: its value, undefined when absent, UNKNOWN when interpolated or not a plain url. */
function sslmodeOf(url: Expr): string | undefined {
  let text: string;
  if (url.kind === 'string') text = url.value;
  else if (url.kind === 'template') text = url.parts.map((p) => (typeof p === 'string' ? p : UNKNOWN)).join('');
  else return UNKNOWN;
  const query = text.includes('?') ? text.slice(text.indexOf('?') + 1).split('#')[0]! : '';
  for (const pair of query.split('&')) {
    const [key, value = ''] = pair.split('=');
    if (key === 'sslmode') return value.includes(UNKNOWN) ? UNKNOWN : decodeURIComponentSafe(value);
    if (key?.includes(UNKNOWN)) return UNKNOWN;
  }
  return undefined;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function rolesEnvMode(ctx: LintContext): LintFinding[] {
  return ctx.roles.targets.flatMap((target) => {
    const env = targetEnv(ctx, target);
    if (!env) return [];
    // A switch set to something other than true/false (an expression) is left alone.
    const on = ROLES_ENV_OFF.filter((name) => {
      const flag = modeFlag(env, name);
      return !flag || boolValue(flag.value) === true;
    });
    if (on.length === 0) return [];
    const mode = modeBlock(env);
    const described = on.map((name) => (modeFlag(env, name) ? `${name} = true` : `${name} unset (inspected by default)`));
    return [
      finding(
        'roles-env-mode',
        env.config.rel,
        mode?.line ?? env.block.line,
        `env ${quote(target.envName)}, which the roles root uses, inspects application schema objects: ${described.join(', ')}. The roles state connects as the master user and must not own application schema; with these inspected, Atlas treats the schema root's tables and other objects as unwanted and plans to drop them. Set ${ROLES_ENV_OFF.map((n) => `${n} = false`).join(', ')} in its schema { mode { ... } }.`,
      ),
    ];
  });
}

function schemaEnvRoles(ctx: LintContext): LintFinding[] {
  return ctx.schema.targets.flatMap((target) => {
    const env = targetEnv(ctx, target);
    const roles = env ? modeFlag(env, 'roles') : undefined;
    if (!env || !roles || boolValue(roles.value) !== true) return [];
    return [
      finding(
        'schema-env-roles',
        env.config.rel,
        roles.line,
        `env ${quote(target.envName)}, which the schema root uses, sets roles = true. The schema state connects as ${ctx.dbUser}, which should not have permission to create roles; with roles inspected, Atlas plans role SQL from the schema state. Remove roles = true from this env; roles belong to the roles env.`,
      ),
    ];
  });
}
