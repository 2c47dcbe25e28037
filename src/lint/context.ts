import type { SourceFile } from './files.js';
import type { Root, Target } from './roots.js';
import type { RunFacts } from './types.js';

/** What every rule group reads: the two resolved roots, their atlas.hcl files and the users. */
export interface LintContext {
  dbUser: string;
  masterUser: string;
  roles: Root;
  schema: Root;
  /** atlas.hcl by absolute path; undefined when it could not be read (an hcl-unresolved warning says so). */
  configs: ReadonlyMap<string, SourceFile | undefined>;
  /** The run being guarded, when known. */
  run?: RunFacts;
}

/** The files of the given targets, each once, in order. */
export function filesOf(targets: readonly Target[]): SourceFile[] {
  const seen = new Set<string>();
  return targets.flatMap((t) => t.hclFiles).filter((f) => !seen.has(f.abs) && seen.add(f.abs));
}
