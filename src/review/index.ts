// review/: what reviewers saw and whether a plan may be applied. The fingerprint of a plan, the
// record hidden in our comment, and the gate (a pure table). May import core/ and atlas/ (the parser that keys statements).

/** A plan's fingerprint and per-statement hashes, keyed by parse tree (what PostgreSQL would run). */
export { planPrint } from './record.js';
/** The record under a comment's marker line, and whether it is current, old, missing or garbled. */
export { readRecord } from './record.js';
/** A reviewed plan whose kept statements are checked against its fingerprint. */
export { checkedPlan } from './record.js';
/** A root's plan as the record keeps it: fingerprint, count, per-statement hashes, and the statements when kept. */
export { reviewedRoot } from './record.js';
/** Whether a plan of this size keeps its statements in the record. */
export { keepsText } from './record.js';
/** The record hidden in our comment. */
export type { CommentData } from './record.js';
/** The record as one hidden line that nothing in the SQL can end. */
export { encodeData } from './record.js';
/** The record read back from a comment body, checked field by field. */
export { decodeData } from './record.js';
/** Prepends a history entry and keeps the newest few. */
export { withHistory } from './record.js';
/** Whether a root's plan may be applied on merge: a pure function of the plan, the review, labels and inputs. */
export { decideGate } from './gate.js';
/** The gate's decision: nothing to do, apply (and on what basis), or hold (and why). */
export type { GateDecision } from './gate.js';
/** Why the gate held a plan back. */
export type { HoldReason } from './gate.js';
/** A statement the gate held, with its class and the classifier's reason. */
export type { GatedStatement } from './gate.js';
/** A statement the merge's read-only re-check predicts would fail, with its table and count. */
export type { PredictedFailure } from './gate.js';
/** "destructive and access-reducing": classes as a reason names them. */
export { classList } from './gate.js';
/** One hold reason in a few plain words, for the error annotation and the log. */
export { holdSummary } from './gate.js';
/** Whether the merged PR's reviews approve the recorded plan: a pure table of reviews, author, permissions and inputs. */
export { decideApproval } from './approval.js';
/** The approvers whose repository permission the decision needs (bounded). */
export { permissionsNeeded } from './approval.js';
/** Why a review does not approve. */
export type { ApprovalFinding } from './approval.js';
