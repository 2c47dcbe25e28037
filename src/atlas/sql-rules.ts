import type { AlterDomainStmt, DropStmt, Node, ObjectType } from 'libpg-query';
import { alterRole, defaultPrivileges, dropOwned, dropRole, grant, grantRole, reassignOwned, rename } from './sql-access.js';
import { alterTable } from './sql-alter-table.js';
import { createVerdict } from './sql-create.js';
import { dataOrMaintenance } from './sql-data.js';
import { listed, objectKind, objectName, objectWord, qualified, quoteIdent, relationName, roleName, strings } from './sql-names.js';
import { otherStatement } from './sql-other.js';
import { alterDatabase, calls, defaultSetting, variableSet } from './sql-session.js';
import { destructive, safe, strongest, type EarlierStatements, type StatementVerdict } from './sql-verdict.js';
import { copy, executePrepared, explain, prepare } from './sql-wrapped.js';

// One parsed statement → its class, kind and reason. The decisions are tabled in classify.ts;
// this file and its neighbours (sql-access, sql-alter-table, sql-data, sql-session,
// sql-wrapped) implement them.

/** The statement's verdict: its rule's, or a call it makes (set_config, lo_unlink) when that is more severe. */
export function statementVerdict(node: Node, ctx: EarlierStatements): StatementVerdict {
  const rule = ruleVerdict(node, ctx);
  const call = calls(node);
  if (call === undefined) return rule;
  const top = strongest([rule, call]) ?? rule;
  const session = rule.session ?? call.session;
  return session === undefined ? top : { ...top, session };
}

function ruleVerdict(node: Node, ctx: EarlierStatements): StatementVerdict {
  const inner = (n: Node): StatementVerdict => statementVerdict(n, ctx);
  if ('ExplainStmt' in node) return explain(node.ExplainStmt, inner);
  if ('PrepareStmt' in node) return prepare(node.PrepareStmt.name ?? '', node.PrepareStmt.query, inner);
  if ('ExecuteStmt' in node) return executePrepared(node.ExecuteStmt.name ?? '', ctx);
  if ('CopyStmt' in node) return copy(node.CopyStmt, inner);
  if ('VariableSetStmt' in node) return variableSet(node.VariableSetStmt);
  if ('AlterRoleSetStmt' in node || 'AlterDatabaseSetStmt' in node || 'AlterSystemStmt' in node) return defaultSetting(node);
  if ('AlterDatabaseStmt' in node) return alterDatabase(node.AlterDatabaseStmt);
  return definitionVerdict(node, ctx);
}

function definitionVerdict(node: Node, ctx: EarlierStatements): StatementVerdict {
  if ('DropStmt' in node) return drop(node.DropStmt);
  if ('AlterTableStmt' in node) return alterTable(node.AlterTableStmt, ctx);
  if ('GrantStmt' in node) return grant(node.GrantStmt);
  if ('GrantRoleStmt' in node) return grantRole(node.GrantRoleStmt);
  if ('AlterDefaultPrivilegesStmt' in node) return defaultPrivileges(node.AlterDefaultPrivilegesStmt);
  if ('AlterRoleStmt' in node) return alterRole(node.AlterRoleStmt);
  if ('RenameStmt' in node) return rename(node.RenameStmt);

  const created = createVerdict(node, ctx, (n) => statementVerdict(n, ctx));
  if (created !== undefined) return created;
  if ('CommentStmt' in node) {
    const s = node.CommentStmt;
    return safe('COMMENT', `sets the comment on ${objectWord(s.objtype)} ${s.object ? objectName(s.object, s.objtype) : ''}`.trimEnd());
  }
  if ('AlterEnumStmt' in node) {
    const s = node.AlterEnumStmt;
    const type = qualified(strings(s.typeName));
    if (s.oldVal !== undefined) {
      return {
        class: 'access-reducing',
        kind: 'ALTER TYPE',
        reason: `renames a value of type ${type}: anything that uses the old label stops working`,
      };
    }
    return safe('ALTER TYPE', `adds a value to type ${type}`);
  }
  if ('AlterOwnerStmt' in node) {
    const s = node.AlterOwnerStmt;
    const what = `${objectWord(s.objectType)} ${s.relation ? relationName(s.relation) : s.object ? objectName(s.object, s.objectType) : ''}`;
    return {
      class: 'access-widening',
      kind: `ALTER ${objectKind(s.objectType)} OWNER`,
      reason: `makes ${roleName(s.newowner)} the owner of ${what}: it gets every right on it (an ownership transfer widens access), and the previous owner loses the rights it held as owner`,
    };
  }
  if ('AlterObjectSchemaStmt' in node) {
    const s = node.AlterObjectSchemaStmt;
    const what = `${objectWord(s.objectType)} ${s.relation ? relationName(s.relation) : s.object ? objectName(s.object, s.objectType) : ''}`;
    return {
      class: 'access-reducing',
      kind: `ALTER ${objectKind(s.objectType)} SET SCHEMA`,
      reason: `moves ${what} to schema ${quoteIdent(s.newschema ?? '')}: anything that uses the old qualified name stops working`,
    };
  }
  if ('AlterDomainStmt' in node) return alterDomain(node.AlterDomainStmt);
  if ('DropRoleStmt' in node) return dropRole(node.DropRoleStmt);
  if ('DropOwnedStmt' in node) return dropOwned(node.DropOwnedStmt);
  if ('ReassignOwnedStmt' in node) return reassignOwned(node.ReassignOwnedStmt);
  if ('DropdbStmt' in node)
    return destructive('DROP DATABASE', `drops database ${quoteIdent(node.DropdbStmt.dbname ?? '')} and everything in it`);
  return dataOrMaintenance(node) ?? otherStatement(node);
}

/** DROP of anything but an index loses an object no data can rebuild (see the table in classify.ts). */
function drop(s: DropStmt): StatementVerdict {
  const type = s.removeType;
  const kind = `DROP ${objectKind(type)}`;
  const names = listed((s.objects ?? []).map((n) => objectName(n, type)));
  if (type === 'OBJECT_INDEX') {
    if (s.concurrent) return safe(kind, `drops index ${names} concurrently; no rows are lost and it can be rebuilt`);
    return {
      class: 'locking',
      kind,
      reason: `drops index ${names}: reads and writes of its table wait for the lock (CONCURRENTLY avoids it)`,
    };
  }
  const plural = (s.objects?.length ?? 0) > 1;
  const [one, many] = DROP_LOSSES[type ?? 'OBJECT_TABLE'] ?? ['', ''];
  const it = plural ? 'them' : 'it';
  const behavior =
    s.behavior === 'DROP_CASCADE'
      ? `, and everything that depends on ${it} (CASCADE)`
      : type && REFUSED_WHILE[type]
        ? ` (refused while ${REFUSED_WHILE[type].replace('IT', it)})`
        : '';
  return destructive(kind, `drops ${objectWord(type)}${plural ? 's' : ''} ${names}${plural ? many : one}${behavior}`);
}

/** What else goes with the object: [one object, several]. */
const DROP_LOSSES: Partial<Record<ObjectType, [string, string]>> = {
  OBJECT_TABLE: [' and every row in it', ' and every row in them'],
  OBJECT_MATVIEW: [' and its stored rows', ' and their stored rows'],
  OBJECT_SEQUENCE: [' and its current value', ' and their current values'],
  OBJECT_EXTENSION: [' and the objects it installed', ' and the objects they installed'],
  OBJECT_TRIGGER: [': its action on each change stops', ': their actions on each change stop'],
  OBJECT_POLICY: [': roles may see or change fewer or more rows', ': roles may see or change fewer or more rows'],
  OBJECT_RULE: [': the rewrite it applied stops', ': the rewrites they applied stop'],
};

/** Without CASCADE, PostgreSQL refuses these drops while something still needs the object. */
const REFUSED_WHILE: Partial<Record<ObjectType, string>> = {
  OBJECT_SCHEMA: 'objects are in IT',
  OBJECT_TYPE: 'columns use IT',
  OBJECT_DOMAIN: 'columns use IT',
};

function alterDomain(s: AlterDomainStmt): StatementVerdict {
  const domain = `domain ${qualified(strings(s.typeName))}`;
  const checked = 'every column of this type is checked while writes to its tables wait';
  switch (s.subtype) {
    case 'X':
      return destructive('ALTER DOMAIN', `drops constraint ${quoteIdent(s.name ?? '')} of ${domain}: the rule it enforced is lost`);
    case 'O':
      return { class: 'locking', kind: 'ALTER DOMAIN', reason: `sets ${domain} NOT NULL: ${checked}` };
    case 'C': {
      const notValid = s.def !== undefined && 'Constraint' in s.def && s.def.Constraint.skip_validation === true;
      if (notValid) return safe('ALTER DOMAIN', `adds a constraint to ${domain} NOT VALID`);
      return { class: 'locking', kind: 'ALTER DOMAIN', reason: `adds a constraint to ${domain}: ${checked}` };
    }
    default:
      return safe('ALTER DOMAIN', `alters ${domain}`);
  }
}
