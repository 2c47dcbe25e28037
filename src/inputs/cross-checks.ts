import type { Inputs } from '../core/index.js';
import { defaultRolesPaths } from './input-lists.js';
import { DB_USER, REGION, parseRoleArn, quote, regionPartition } from './input-rules.js';
import { INPUT } from './table.js';

// Rules that relate two inputs, and values one input derives from another. They run after
// every row of the table, so their problems come after the rows' own.

/** Problems that involve two inputs; each is one sentence naming both. */
export function crossProblems(v: Inputs): string[] {
  const problems: string[] = [];
  const bad = (name: string, value: string, expected: string): void => {
    problems.push(`Input "${name}" must be ${expected}; got ${quote(value)}`);
  };
  if (REGION.test(v.awsRegion)) {
    const partition = regionPartition(v.awsRegion);
    for (const [name, arn] of [
      [INPUT.roleToAssume, v.roleToAssume],
      [INPUT.applyRoleToAssume, v.applyRoleToAssume],
    ] as const) {
      const parsed = arn ? parseRoleArn(arn) : undefined;
      if (parsed && parsed.partition !== partition) {
        bad(name, arn, `a role in partition ${partition}, the partition of aws-region ${v.awsRegion} (arn:${partition}:iam::…)`);
      }
    }
  }
  if (v.rolesWorkingDirectory === v.schemaWorkingDirectory) {
    problems.push(
      `Inputs "${INPUT.rolesWorkingDirectory}" and "${INPUT.schemaWorkingDirectory}" must name two different Terraform roots; both are ${quote(v.rolesWorkingDirectory)}`,
    );
  }
  if (v.dbEndpoint && !v.dbName) {
    problems.push(
      `Input "${INPUT.dbName}" is required when "${INPUT.dbEndpoint}" is set (the database the IAM-token preflight connects to); got ""`,
    );
  }
  // An invalid master-user is reported by its row already.
  if (DB_USER.test(v.masterUser) && v.masterUser === v.dbUser) {
    bad(
      INPUT.masterUser,
      v.masterUser,
      `a user other than "${INPUT.dbUser}" (the roles root connects as the master user with its password, the schema root as ${INPUT.dbUser} with an IAM token)`,
    );
  }
  return problems;
}

/** Inputs whose empty value follows another input: the apply role, the roles paths. */
export function withDerived(v: Inputs): Inputs {
  return {
    ...v,
    applyRoleToAssume: v.applyRoleToAssume || v.roleToAssume,
    rolesPaths: v.rolesPaths.length > 0 ? v.rolesPaths : defaultRolesPaths(v.rolesWorkingDirectory),
  };
}
