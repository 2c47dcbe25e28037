import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The order the two workers take test files in. On CI the checkout is fresh, so vitest has no
// durations from an earlier run and starts the largest files first; a large unit file (fast)
// can then start before a small e2e file (a minute), which may end up last, alone on one
// worker. Here every e2e file starts before any harness file, and those before unit files;
// within a tier vitest's own order stands (failed first, then longest or largest first), so the
// last files to run are short ones that fill the gap while the other worker finishes.

const TIERS = [/[\\/]test[\\/]e2e[\\/]/, /[\\/]test[\\/]harness[\\/]/];

function tier(spec: TestSpecification): number {
  const i = TIERS.findIndex((re) => re.test(spec.moduleId));
  return i === -1 ? TIERS.length : i;
}

/** vitest's sequencer with heavy files (e2e, then harness) ahead of unit tests. */
export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array.prototype.sort is stable: the base order holds within each tier.
    return (await super.sort(files)).sort((a, b) => tier(a) - tier(b));
  }
}
