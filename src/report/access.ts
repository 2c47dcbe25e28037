import type { AccessChange } from '../access/index.js';
import type { AccessOutcome } from '../roots/index.js';
import { text } from '../core/index.js';
import { count } from './wording.js';

// The "Access changes" part: who gains and who loses what once the plan is applied, as one
// table (login roles first, then groups and PUBLIC; widening rows first in each), each row
// naming the statement behind it; REVOKEs that leave the privilege reachable; what the model
// does not follow; and the seed's REVOKE-after-CREATE pitfall when it shows. Pure. Role and
// object names are foreign text: every cell goes through text() (which escapes `|`).

/** Rows shown per target; the rest is counted and is in the `access-changes` output. */
export const ACCESS_ROWS = { comment: 40, summary: 400 } as const;
const PREVIEW = 80;
const LISTED = 10;

function preview(statement: string): string {
  const line = statement.replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW ? `${line.slice(0, PREVIEW)}…` : line;
}

function cell(s: string): string {
  return s === '' ? '—' : text(s);
}

function row(c: AccessChange): string {
  const mark = c.widening ? `🔓 ${c.change} (widening: ${text(c.widening)})` : c.change;
  const who = c.role === 'PUBLIC' && c.roleKind === 'public' ? '**PUBLIC**' : `${cell(c.role)} (${c.roleKind})`;
  return `| ${who} | ${mark} | ${cell(c.privilege)} | ${cell(c.object)} | ${cell(c.via)} | ${c.statement ? text(preview(c.statement)) : '—'} |`;
}

function source(outcome: AccessOutcome): string {
  if (outcome.source === 'live')
    return `Computed from the live catalogs (read-only, ${(outcome.factsMs / 1000).toFixed(1)} s) with the planned statements applied in order, roles root first.`;
  return `⚠️ Computed from the SQL alone, as if nothing existed before it: ${text(outcome.why ?? 'the catalog was not read')}. Grants and memberships the database already has are not counted, so a privilege shown as gained may already be held, and losses through existing grants do not show.`;
}

/** PUBLIC gets EXECUTE on new functions and USAGE on schema public unless the plan REVOKEs it afterwards. */
function pitfall(changes: readonly AccessChange[]): string[] {
  const fn = changes.some((c) => c.roleKind === 'public' && c.change === 'gains' && c.privilege === 'EXECUTE');
  const schema = changes.some((c) => c.roleKind === 'public' && c.change === 'gains' && c.privilege === 'USAGE' && c.object === 'public');
  if (!fn && !schema) return [];
  const parts = [
    ...(fn ? ['every new function is executable by PUBLIC (EXECUTE is in its default ACL)'] : []),
    ...(schema ? ['schema `public` is usable by PUBLIC (USAGE is in its default ACL)'] : []),
  ];
  return [
    `> 💡 PostgreSQL's defaults: ${parts.join('; ')}. To keep them private, plan a \`REVOKE … FROM PUBLIC\` after the \`CREATE\` (in the HCL, a permission block that revokes it), or \`ALTER DEFAULT PRIVILEGES … REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC\` before creating functions.`,
  ];
}

/** The part, as safe Markdown sections; [] when the run computed no access diff. */
export function accessSection(outcome: AccessOutcome | undefined, target: 'comment' | 'summary'): string[] {
  if (!outcome) return [];
  const { changes, retained, notModelled } = outcome.diff;
  const widening = changes.filter((c) => c.widening).length;
  const out = [`### 🔐 Access changes (${count(changes.length, 'change')}${widening ? `, ${widening} widening` : ''})`, source(outcome)];
  if (changes.length === 0) out.push('No role gains or loses a privilege, membership or attribute.');
  else {
    const cap = ACCESS_ROWS[target];
    const rows = changes.slice(0, cap).map(row);
    out.push(['| role | change | privilege | object | via | statement |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n'));
    if (changes.length > cap)
      out.push(`_… ${count(changes.length - cap, 'more change')} not shown: every change is in the \`access-changes\` output._`);
  }
  out.push(...pitfall(changes));
  if (retained.length > 0) {
    const lines = retained
      .slice(0, LISTED)
      .map((r) => `- ${text(r.role)} keeps ${text(r.privilege)} on ${cell(r.object)} via ${text(r.via)} — ${text(preview(r.statement))}`);
    if (retained.length > LISTED) lines.push(`- … and ${count(retained.length - LISTED, 'more')}`);
    out.push(`**Revoked, but still held another way (${retained.length}):** nothing effective changes for these.`, lines.join('\n'));
  }
  if (notModelled.length > 0) {
    const lines = notModelled.slice(0, LISTED).map((n) => `- ${text(preview(n.statement))} — ${text(n.reason)}`);
    if (notModelled.length > LISTED) lines.push(`- … and ${count(notModelled.length - LISTED, 'more')}`);
    out.push(`**Not modelled (${notModelled.length}):** their effect on access is not in the table above.`, lines.join('\n'));
  }
  return out;
}
