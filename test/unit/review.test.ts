import { describe, expect, it } from 'vitest';
import { decodeData, encodeData, fingerprint, keepsText, planDelta, reviewedRoot, withHistory } from '../../src/review/record.js';
import type { HistoryEntry } from '../../src/core/types.js';

// The record a plan comment keeps of what reviewers saw: fingerprints, per-statement hashes,
// the statements while small, and the history; hidden in the comment, read back defensively.

const SQL = ['CREATE ROLE "app_reader" WITH LOGIN;', 'GRANT "rds_iam" TO "atlas_migrator";'];
const entry = (n: number): HistoryEntry => ({
  at: `2026-11-30T0${n}:00:00.000Z`,
  mode: 'apply',
  headline: `run ${n}`,
  commit: 'a'.repeat(40),
  runUrl: 'https://x',
});

describe('fingerprints', () => {
  it('ignore whitespace layout but not content or order', () => {
    expect(fingerprint(['CREATE TABLE t (\n  id int\n);'])).toBe(fingerprint(['CREATE TABLE t ( id int );']));
    expect(fingerprint(SQL)).not.toBe(fingerprint([...SQL].reverse()));
    expect(fingerprint(SQL)).not.toBe(fingerprint([SQL[0] as string]));
    expect(fingerprint([])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tell what was added and removed when hashes were recorded, counts only otherwise', () => {
    const reviewed = reviewedRoot(SQL, true);
    expect(planDelta(reviewed, [SQL[0] as string, 'DROP ROLE "x";'])).toEqual({
      added: ['DROP ROLE "x";'],
      removed: [SQL[1]],
      removedUnknown: 0,
      exact: true,
    });
    const noText = reviewedRoot(SQL, false);
    expect(planDelta(noText, [SQL[0] as string])).toEqual({ added: [], removed: [], removedUnknown: 1, exact: true });
    const big = reviewedRoot(
      Array.from({ length: 1001 }, (_, i) => `GRANT SELECT ON TABLE t${i} TO r;`),
      false,
    );
    expect(big.hashes).toBeUndefined();
    expect(planDelta(big, SQL)).toMatchObject({ exact: false });
    expect(keepsText(['x'.repeat(12_001)])).toBe(false);
  });
});

describe('the hidden record', () => {
  it('round-trips, and nothing in the SQL can end the HTML comment that carries it', () => {
    const sneaky = ["COMMENT ON TABLE t IS '--> <img src=x> <!-- ';"];
    const data = {
      reviewed: { pr: 7, commit: 'c'.repeat(40), runUrl: 'https://r', at: 'now', roots: { schema: reviewedRoot(sneaky, true) } },
      current: entry(1),
      history: [entry(0)],
    };
    const line = encodeData(data);
    expect(line).toMatch(/^<!-- rds-atlas-action:data [A-Za-z0-9_-]+ -->$/);
    expect(decodeData(`body\n${line}\nmore`)).toEqual(data);
  });

  it('reads tampered or foreign records as empty, field by field', () => {
    const b64 = (v: unknown) => `<!-- rds-atlas-action:data ${Buffer.from(JSON.stringify(v)).toString('base64url')} -->`;
    expect(decodeData('no record')).toEqual({ history: [] });
    expect(decodeData('<!-- rds-atlas-action:data %%% -->')).toEqual({ history: [] });
    expect(decodeData(b64({ v: 2, history: [] }))).toEqual({ history: [] });
    // A fingerprint that is not a sha256, a PR that is not a number: that part is dropped.
    expect(decodeData(b64({ v: 1, reviewed: { pr: '7', roots: {} }, history: [] }))).toEqual({ history: [] });
    const bad = decodeData(b64({ v: 1, reviewed: { pr: 7, commit: 'c', roots: { roles: { fingerprint: 'x', count: 1 } } }, history: [] }));
    expect(bad.reviewed?.roots).toEqual({});
    // Statements that do not match their fingerprint are not kept (they would be shown as reviewed).
    const root = { ...reviewedRoot(SQL, true), statements: ['DROP TABLE everything;'] };
    const forged = decodeData(b64({ v: 1, reviewed: { pr: 7, commit: 'c', roots: { roles: root } }, history: [] }));
    expect(forged.reviewed?.roots.roles?.statements).toBeUndefined();
    expect(forged.reviewed?.roots.roles?.fingerprint).toBe(fingerprint(SQL));
  });

  it('keeps the ten newest results', () => {
    let history: HistoryEntry[] = [];
    for (let i = 0; i < 12; i++) history = withHistory(history, entry(i % 10));
    expect(history).toHaveLength(10);
    expect(history[0]).toEqual(entry(1));
  });
});
