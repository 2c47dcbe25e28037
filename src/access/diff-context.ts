import type { AppliedPlan } from './apply.js';
import type { EffectiveAccess } from './effective.js';
import type { TouchIndex } from './touches.js';
import { PUBLIC, type AccessSnapshot } from './types.js';

// What the parts of the diff (diff.ts, diff-objects.ts, diff-roles.ts) share.

export type DiffContext = {
  before: AccessSnapshot;
  eb: EffectiveAccess;
  ea: EffectiveAccess;
  applied: AppliedPlan;
  statements: readonly string[];
  version: number;
  superLike: Set<string>;
  /** Every role, before or after. */
  roles: string[];
  slots: RoleSlot[];
  /** Which statement is behind a change (touches.ts). */
  touches: TouchIndex;
  reach: Map<string, readonly string[]>;
};

/** A role's row in both effective tables (-1 where absent). */
interface RoleSlot {
  role: string;
  b: number;
  a: number;
}

/** Roles whose grants matter to `role`: what it inherits from, before and after. */
export function reachOf(ctx: DiffContext, role: string): readonly string[] {
  if (role === PUBLIC) return ONLY_PUBLIC;
  let hit = ctx.reach.get(role);
  if (!hit) {
    const b = ctx.eb.roleIndex.has(role) ? ctx.eb.graph.reach(role, 'privs') : [];
    const a = ctx.ea.roleIndex.has(role) ? ctx.ea.graph.reach(role, 'privs') : [];
    hit = [...new Set([...b, ...a])];
    ctx.reach.set(role, hit);
  }
  return hit;
}

/** One array for PUBLIC, so that what is derived from it (touches.ts) is computed once. */
const ONLY_PUBLIC: readonly string[] = [PUBLIC];
