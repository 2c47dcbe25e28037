import { describe, expect, it } from 'vitest';
import type { PermissionFact, ReviewFact } from '../../src/core/types.js';
import { decideApproval, permissionsNeeded, MAX_PERMISSION_LOOKUPS, type ApprovalInput } from '../../src/review/approval.js';

// The approval as a table: one row per reviewer condition of issue 22. The plan was recorded for
// commit PLANNED at RECORDED; the PR's author is "author".

const PLANNED = 'b'.repeat(40);
const EARLIER = 'a'.repeat(40);
const RECORDED = '2026-03-01T12:00:00.400Z';
const BEFORE = '2026-03-01T11:00:00Z';
const SAME_SECOND = '2026-03-01T12:00:00Z';
const AFTER = '2026-03-01T13:00:00Z';
const LATER = '2026-03-01T14:00:00Z';

let nextId = 1;
const review = (login: string, state: string, commitId: string, submittedAt: string): ReviewFact => ({
  id: nextId++,
  login,
  state,
  commitId,
  submittedAt,
});
const write: PermissionFact = { permission: 'write', roleName: 'write' };

interface Row {
  name: string;
  reviews: ReviewFact[];
  permissions?: Record<string, PermissionFact>;
  approvers?: string[];
  expect: string;
}

function decisionOf(row: Row): string {
  const input: ApprovalInput = {
    lookup: { kind: 'read', author: 'author', reviews: row.reviews, permissions: row.permissions ?? {} },
    approvers: row.approvers ?? [],
    reviewedCommit: PLANNED,
    reviewedAt: RECORDED,
  };
  const v = decideApproval(input);
  if (v.approved) return `approved by ${v.by.map((b) => b.login).join(', ')}`;
  return v.findings.length === 0 ? 'no approval' : `held: ${v.findings.map((f) => `${f.kind} (${f.login})`).join(', ')}`;
}

const rows: Row[] = [
  { name: 'no reviews', reviews: [], expect: 'no approval' },
  { name: 'only a comment', reviews: [review('w', 'COMMENTED', PLANNED, AFTER)], permissions: { w: write }, expect: 'no approval' },
  {
    name: 'writer approves the planned commit',
    reviews: [review('w', 'APPROVED', PLANNED, BEFORE)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'writer approves an earlier commit after the plan was recorded',
    reviews: [review('w', 'APPROVED', EARLIER, AFTER)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'approval within the second the plan was recorded',
    reviews: [review('w', 'APPROVED', EARLIER, SAME_SECOND)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'approved before the SQL changed',
    reviews: [review('w', 'APPROVED', EARLIER, BEFORE)],
    permissions: { w: write },
    expect: 'held: stale (w)',
  },
  {
    name: 'approved by the author',
    reviews: [review('author', 'APPROVED', PLANNED, AFTER)],
    permissions: { author: { permission: 'admin', roleName: 'admin' } },
    expect: 'held: author (author)',
  },
  { name: 'author, another case', reviews: [review('AUTHOR', 'APPROVED', PLANNED, AFTER)], expect: 'held: author (AUTHOR)' },
  {
    name: 'approved by a reader',
    reviews: [review('r', 'APPROVED', PLANNED, AFTER)],
    permissions: { r: { permission: 'read', roleName: 'read' } },
    expect: 'held: no-write (r)',
  },
  {
    name: 'approved by a triager',
    reviews: [review('t', 'APPROVED', PLANNED, AFTER)],
    permissions: { t: { permission: 'read', roleName: 'triage' } },
    expect: 'held: no-write (t)',
  },
  {
    name: 'approved by a maintainer (permission says write)',
    reviews: [review('m', 'APPROVED', PLANNED, AFTER)],
    permissions: { m: { permission: 'write', roleName: 'maintain' } },
    expect: 'approved by m',
  },
  {
    name: 'approved by an admin',
    reviews: [review('a', 'APPROVED', PLANNED, AFTER)],
    permissions: { a: { permission: 'admin', roleName: 'admin' } },
    expect: 'approved by a',
  },
  {
    name: 'custom role based on write',
    reviews: [review('c', 'APPROVED', PLANNED, AFTER)],
    permissions: { c: { permission: 'write', roleName: 'db-reviewer' } },
    expect: 'approved by c',
  },
  {
    name: 'permission unreadable',
    reviews: [review('w', 'APPROVED', PLANNED, AFTER)],
    permissions: { w: { error: '404 Not Found' } },
    expect: 'held: permission-unknown (w)',
  },
  { name: 'a reader listed in approvers', reviews: [review('r', 'APPROVED', PLANNED, AFTER)], approvers: ['R'], expect: 'approved by r' },
  {
    name: 'the author listed in approvers',
    reviews: [review('author', 'APPROVED', PLANNED, AFTER)],
    approvers: ['author'],
    expect: 'held: author (author)',
  },
  {
    name: 'approval dismissed',
    reviews: [review('w', 'DISMISSED', PLANNED, AFTER)],
    permissions: { w: write },
    expect: 'held: dismissed (w)',
  },
  {
    name: 'approval followed by changes requested',
    reviews: [review('w', 'APPROVED', PLANNED, AFTER), review('w', 'CHANGES_REQUESTED', PLANNED, LATER)],
    permissions: { w: write },
    expect: 'held: changes-requested (w)',
  },
  {
    name: 'changes requested, then approved',
    reviews: [review('w', 'CHANGES_REQUESTED', PLANNED, AFTER), review('w', 'APPROVED', PLANNED, LATER)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'a comment after an approval changes nothing',
    reviews: [review('w', 'APPROVED', PLANNED, AFTER), review('w', 'COMMENTED', PLANNED, LATER)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'dismissed, then approved again',
    reviews: [review('w', 'DISMISSED', EARLIER, BEFORE), review('w', 'APPROVED', PLANNED, LATER)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'changes requested by another user do not cancel an approval',
    reviews: [review('w', 'APPROVED', PLANNED, AFTER), review('x', 'CHANGES_REQUESTED', PLANNED, LATER)],
    permissions: { w: write },
    expect: 'approved by w',
  },
  {
    name: 'every missing kind named at once',
    reviews: [
      review('author', 'APPROVED', PLANNED, AFTER),
      review('r', 'APPROVED', PLANNED, AFTER),
      review('old', 'APPROVED', EARLIER, BEFORE),
      review('gone', 'DISMISSED', PLANNED, AFTER),
    ],
    permissions: { r: { permission: 'read', roleName: 'read' }, old: write },
    expect: 'held: stale (old), author (author), no-write (r), dismissed (gone)',
  },
];

describe('decideApproval', () => {
  it.each(rows)('$name → $expect', (row) => {
    expect(decisionOf(row)).toBe(row.expect);
  });

  it('says why when GitHub could not be read, and names who approved and when', () => {
    const unknown = decideApproval({
      lookup: { kind: 'unknown', why: 'the reviews of #7 could not be read (Not Found)' },
      approvers: [],
      reviewedCommit: PLANNED,
      reviewedAt: RECORDED,
    });
    expect(unknown).toEqual({ approved: false, findings: [], why: 'the reviews of #7 could not be read (Not Found)' });
    const approved = decideApproval({
      lookup: { kind: 'read', author: 'author', reviews: [review('w', 'APPROVED', PLANNED, AFTER)], permissions: { w: write } },
      approvers: [],
      reviewedCommit: PLANNED,
      reviewedAt: RECORDED,
    });
    expect(approved).toEqual({ approved: true, by: [{ login: 'w', at: AFTER }] });
  });

  it('asks the permission only of approvers that need it, newest first, at most a bounded number', () => {
    const many = Array.from({ length: MAX_PERMISSION_LOOKUPS + 5 }, (_, i) =>
      review(`u${i}`, 'APPROVED', PLANNED, `2026-03-01T13:${String(i).padStart(2, '0')}:00Z`),
    );
    const needed = permissionsNeeded(
      [
        ...many,
        review('author', 'APPROVED', PLANNED, AFTER),
        review('listed', 'APPROVED', PLANNED, AFTER),
        review('gone', 'DISMISSED', PLANNED, AFTER),
      ],
      'author',
      ['Listed'],
    );
    expect(needed).toHaveLength(MAX_PERMISSION_LOOKUPS);
    expect(needed[0]).toBe(`u${MAX_PERMISSION_LOOKUPS + 4}`);
    expect(needed).not.toContain('author');
    expect(needed).not.toContain('listed');
    expect(needed).not.toContain('gone');
  });
});
