import { describe, expect, it } from 'vitest';
import type { ImpactReport } from '../../src/impact/index.js';
import { impactPart } from '../../src/report/impact.js';
import { renderHtml } from '../support/markdown.js';
import { root } from './report-fixtures.js';

// The Impact part as GitHub renders it: one table row per table, seven cells, whatever the
// names hold (a `|` in a name must not split a cell, `**` must not become emphasis).

const HOSTILE = '"s|q"."t **b** | @all <img src=x> ::warning::x"';

const report: ImpactReport = {
  root: 'schema',
  rows: [],
  willFail: true,
  notes: [],
  tables: [
    {
      table: HOSTILE,
      rows: 50_000,
      rowsExact: true,
      bytes: 3_500_000,
      bytesEstimated: false,
      lock: 'ACCESS EXCLUSIVE',
      heldFor: 'transaction',
      fromStatement: 0,
      rewrite: false,
      scan: true,
      blockers: [{ pid: 4242, mode: 'ACCESS SHARE', granted: true, transactionAgeMs: 75_000, state: 'idle in transaction' }],
      fails: ['SET NOT NULL on c|ol: 1,250 rows have NULL in c|ol'],
      unchecked: [],
    },
  ],
};

describe('impactPart', () => {
  it('renders one seven-cell row per table, names inert, counts only', () => {
    const md = impactPart(root('schema', { impact: { report } })).join('\n\n');
    const html = renderHtml(md);
    const cells = [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1] ?? '');
    expect(cells).toHaveLength(7);
    expect(cells[0]).toBe(`<code>${HOSTILE.replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</code>`);
    expect(cells.slice(1, 6)).toEqual([
      '50,000',
      '3.3 MB',
      'ACCESS EXCLUSIVE, the whole plan&#39;s transaction (from statement 1)',
      'scans the table',
      'pid 4242: ACCESS SHARE, transaction open 1 min 15 s',
    ]);
    expect(cells[6]).toContain('SET NOT NULL on c|ol: 1,250 rows have NULL in c|ol');
    expect(cells.join('')).not.toContain('<strong>');
    expect(html).not.toContain('<img');
    expect(md).toContain('**will fail**');
  });

  it('says why the facts were not read', () => {
    const md = impactPart(root('schema', { impact: { skipped: 'not read: the db-endpoint input is empty.' } }));
    expect(md).toEqual(['**Impact:** not read: the db-endpoint input is empty.']);
  });
});
