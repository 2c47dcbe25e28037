import type { AlterDatabaseStmt, AlterDatabaseSetStmt, AlterRoleSetStmt, AlterSystemStmt, Node, VariableSetStmt } from 'libpg-query';
import { quoteIdent, roleName, strings } from './sql-names.js';
import { destructive, strongest, type SessionEffect, type StatementVerdict } from './sql-verdict.js';

// Settings: SET / RESET / set_config() in the plan's own session, ALTER ROLE / DATABASE …
// SET for later sessions, ALTER SYSTEM, and ALTER DATABASE's options. A setting can make the
// server read the rest of the plan differently from the parser that classified it (Trojan SQL:
// `SET standard_conforming_strings = off` turns 'x\'' into an unterminated string that swallows
// the next statement), resolve names elsewhere, or run it as another role. Such a statement is
// class `session` itself, and the plan state (plan-state.ts) treats what follows accordingly.

/** Settings that change how the server splits SQL text into tokens: the parser's reading may be wrong after them. */
const PARSING = new Set(['standard_conforming_strings', 'backslash_quote', 'client_encoding']);
/** Settings that change which object an unqualified name means ("$user" in search_path is the current role). */
const NAMES = new Set(['search_path', 'role', 'session_authorization']);
/** Settings that only bound time, memory or logging: no later statement means something else under them. */
const HARMLESS = new Set([
  'application_name',
  'client_min_messages',
  'idle_in_transaction_session_timeout',
  'jit',
  'lock_timeout',
  'maintenance_work_mem',
  'max_parallel_maintenance_workers',
  'max_parallel_workers_per_gather',
  'statement_timeout',
  'transaction_timeout',
  'work_mem',
]);
/** Role or database defaults that make every transaction of the role or database read-only. */
const READ_ONLY = new Set(['default_transaction_read_only', 'transaction_read_only']);
/** Values PostgreSQL reads as a boolean true. */
const TRUE = new Set(['on', 'true', 'yes', '1', 't', 'y']);

/** SET / RESET / SET ROLE / SET SESSION AUTHORIZATION / SET TRANSACTION, in this session. */
export function variableSet(s: VariableSetStmt): StatementVerdict {
  const name = (s.name ?? '').toLowerCase();
  const kind = s.kind === 'VAR_RESET' || s.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
  if (s.kind === 'VAR_RESET_ALL') {
    return session(
      kind,
      'resets every setting of the session, role and search_path included: later statements may run as another role and resolve names elsewhere',
      {
        what: 'RESET ALL',
        parsing: false,
        names: true,
      },
    );
  }
  const value = s.kind === 'VAR_SET_VALUE' ? settingValue(s.args) : undefined;
  return settingChange(kind, name, value, s.kind === 'VAR_SET_VALUE', s.is_local === true);
}

/**
 * One setting changed in this session (SET, RESET, set_config). `value` is undefined when it
 * is not a constant (or the setting goes back to its default); `set` is false for RESET / DEFAULT.
 */
export function settingChange(kind: string, name: string, value: string | undefined, set: boolean, local: boolean): StatementVerdict {
  const to = set ? (value === undefined ? ' to a value that is not a constant' : ` to ${quoteIdent(value)}`) : ' back to its default';
  const scope = local ? 'for the rest of the transaction' : 'for the rest of the session';
  const shown = `${kind} ${name}${set && value !== undefined ? ` = ${value}` : ''}`;
  if (HARMLESS.has(name))
    return { class: 'safe', kind, reason: `sets ${name}${to} ${scope}: a limit only, no statement means something else under it` };
  if (PARSING.has(name)) {
    // Back to the default, or on for standard_conforming_strings, is what the parser assumes anyway.
    const agrees = !set || (name === 'standard_conforming_strings' && value !== undefined && TRUE.has(value.toLowerCase()));
    return session(
      kind,
      `sets ${name}${to} ${scope}: it changes how the server reads string literals and bytes, so later statements may run differently from how the parser reads them and this comment shows them`,
      { what: shown, parsing: !agrees, names: false },
    );
  }
  if (name === 'role' || name === 'session_authorization') {
    const who = name === 'role' ? 'the role' : 'the session user';
    return session(
      kind,
      `sets ${who}${to} ${scope}: later statements run with other privileges, own what they create, and resolve "$user" in search_path to another schema`,
      {
        what: shown,
        parsing: false,
        names: true,
      },
    );
  }
  if (NAMES.has(name)) {
    return session(kind, `sets ${name}${to} ${scope}: unqualified names in later statements may resolve to other objects`, {
      what: shown,
      parsing: false,
      names: true,
    });
  }
  const what = name === '' ? 'session characteristics' : name;
  return session(kind, `sets ${what}${to} ${scope}: later statements run under it, and what it changes cannot be checked`, {
    what: shown,
    parsing: false,
    names: false,
  });
}

function session(kind: string, reason: string, effect: SessionEffect): StatementVerdict {
  return { class: 'session', kind, reason, session: effect };
}

/** ALTER ROLE … SET / ALTER DATABASE … SET / ALTER SYSTEM: a default for later sessions, not this one. */
export function defaultSetting(
  node: { AlterRoleSetStmt: AlterRoleSetStmt } | { AlterDatabaseSetStmt: AlterDatabaseSetStmt } | { AlterSystemStmt: AlterSystemStmt },
): StatementVerdict {
  const [kind, whose, setstmt] =
    'AlterRoleSetStmt' in node
      ? [
          'ALTER ROLE',
          `of role ${roleName(node.AlterRoleSetStmt.role)}${node.AlterRoleSetStmt.database ? ` in database ${quoteIdent(node.AlterRoleSetStmt.database)}` : ''}`,
          node.AlterRoleSetStmt.setstmt,
        ]
      : 'AlterDatabaseSetStmt' in node
        ? ['ALTER DATABASE', `of database ${quoteIdent(node.AlterDatabaseSetStmt.dbname ?? '')}`, node.AlterDatabaseSetStmt.setstmt]
        : ['ALTER SYSTEM', 'of every database on the server', node.AlterSystemStmt.setstmt];
  const name = (setstmt?.name ?? '').toLowerCase();
  if (setstmt?.kind === 'VAR_RESET_ALL')
    return { class: 'session', kind, reason: `resets every setting default ${whose}: later sessions run under other settings` };
  const value = setstmt?.kind === 'VAR_SET_VALUE' ? settingValue(setstmt.args) : undefined;
  if (READ_ONLY.has(name) && value !== undefined && TRUE.has(value.toLowerCase())) {
    return {
      class: 'access-reducing',
      kind,
      reason: `makes every new session ${whose} read-only (${name} = ${value}): its writes fail from the next login on`,
    };
  }
  const to =
    setstmt?.kind === 'VAR_SET_VALUE'
      ? value === undefined
        ? ' to a value that is not a constant'
        : ` to ${quoteIdent(value)}`
      : ' back to its default';
  if (HARMLESS.has(name)) return { class: 'safe', kind, reason: `sets the default of ${name} ${whose}${to}: a limit only` };
  return {
    class: 'session',
    kind,
    reason: `sets the default of ${name} ${whose}${to}: later sessions parse or run their SQL under it${PARSING.has(name) ? ', and may read it differently from the parser' : ''}`,
  };
}

/**
 * ALTER DATABASE … WITH options. CONNECTION LIMIT 0 and ALLOW_CONNECTIONS false shut clients
 * out. A positive limit is not flagged: without the current value and the number of clients,
 * the SQL cannot tell a raise from a cut (ALTER ROLE's rule is the same).
 */
export function alterDatabase(s: AlterDatabaseStmt): StatementVerdict {
  const db = `database ${quoteIdent(s.dbname ?? '')}`;
  const findings = (s.options ?? []).flatMap((n): StatementVerdict[] => {
    if (!('DefElem' in n)) return [];
    const { defname, arg } = n.DefElem;
    const text =
      arg === undefined ? undefined : 'String' in arg ? arg.String.sval : 'Integer' in arg ? String(arg.Integer.ival ?? 0) : undefined;
    switch (defname) {
      case 'connection_limit':
        return text === '0'
          ? [{ class: 'access-reducing', kind: 'ALTER DATABASE', reason: `${db} accepts no more connections (CONNECTION LIMIT 0)` }]
          : [{ class: 'safe', kind: 'ALTER DATABASE', reason: `changes the connection limit of ${db}` }];
      case 'allow_connections':
        return text !== undefined && !TRUE.has(text.toLowerCase())
          ? [{ class: 'access-reducing', kind: 'ALTER DATABASE', reason: `${db} refuses every new connection (ALLOW_CONNECTIONS false)` }]
          : [{ class: 'safe', kind: 'ALTER DATABASE', reason: `allows connections to ${db}` }];
      case 'is_template':
        return [{ class: 'safe', kind: 'ALTER DATABASE', reason: `changes whether ${db} is a template` }];
      case 'tablespace':
        return [
          {
            class: 'locking',
            kind: 'ALTER DATABASE',
            reason: `moves ${db} to another tablespace: it copies every table while no one may be connected`,
          },
        ];
      default:
        return [
          { class: 'unknown', kind: 'ALTER DATABASE', reason: `changes option ${quoteIdent(defname ?? '')} of ${db}: no rule for it` },
        ];
    }
  });
  return strongest(findings) ?? { class: 'safe', kind: 'ALTER DATABASE', reason: `alters ${db}` };
}

/** The value of a SET's arguments when they are constants ("a, b" for a list); undefined otherwise. */
function settingValue(args: readonly Node[] | undefined): string | undefined {
  const values = (args ?? []).map(constant);
  return values.length > 0 && values.every((v) => v !== undefined) ? values.join(', ') : undefined;
}

function constant(n: Node | undefined): string | undefined {
  if (n === undefined || !('A_Const' in n)) return undefined;
  const c = n.A_Const;
  if (c.sval !== undefined) return c.sval.sval ?? '';
  if (c.ival !== undefined) return String(c.ival.ival ?? 0);
  if (c.fval !== undefined) return c.fval.fval ?? '';
  if (c.boolval !== undefined) return String(c.boolval.boolval === true);
  return undefined;
}

/** Statements whose expressions run later, not now (a definition, a default): calls in them are not made by the plan. */
const DEFINITIONS = [
  'CreateFunctionStmt',
  'ViewStmt',
  'RuleStmt',
  'CreateTrigStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'CreateStmt',
  'CreateDomainStmt',
  'PrepareStmt',
];

/**
 * Calls the statement makes as it runs that change the session (set_config) or lose data
 * (lo_unlink deletes a large object for good). Other functions are not inspected (classify.ts).
 */
export function calls(node: Node): StatementVerdict | undefined {
  if (DEFINITIONS.some((k) => k in node)) return undefined;
  const found: StatementVerdict[] = [];
  walk(node, (name, args) => {
    if (name === 'set_config') found.push(setConfig(args));
    if (name === 'lo_unlink') found.push(destructive('LO_UNLINK', 'deletes a large object with lo_unlink(): its data is gone'));
  });
  return strongest(found);
}

function setConfig(args: readonly Node[]): StatementVerdict {
  const [name, value, local] = [constant(args[0]), constant(args[1]), constant(args[2])];
  if (name === undefined) {
    return {
      class: 'session',
      kind: 'SET_CONFIG',
      reason:
        'calls set_config() with a setting name that is not a constant: any setting may change, so later statements cannot be trusted as parsed',
      session: { what: 'set_config() of a setting not named', parsing: true, names: true },
    };
  }
  return settingChange('SET_CONFIG', name.toLowerCase(), value, true, local === 'true');
}

/** Every function call in a parse tree, by its unqualified name (pg_catalog.set_config is set_config). */
function walk(value: unknown, visit: (name: string, args: readonly Node[]) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'FuncCall' && child !== null && typeof child === 'object') {
      const call = child as { funcname?: Node[]; args?: Node[] };
      visit((strings(call.funcname).at(-1) ?? '').toLowerCase(), call.args ?? []);
    }
    if (DEFINITIONS.includes(key)) continue;
    walk(child, visit);
  }
}
