// The log groups of a plan run, as the runner folds them: in plan mode both roots run side by
// side, and each root's lines must come out as one whole group ("roles: terraform init and
// plan", then "schema: …"), never interleaved with the other root's lines.

export interface LogGroup {
  title: string;
  lines: string[];
}

/** The `::group::` … `::endgroup::` sections of a step's stdout, and the lines outside them. */
export function logGroups(stdout: string): { groups: LogGroup[]; outside: string[]; problems: string[] } {
  const groups: LogGroup[] = [];
  const outside: string[] = [];
  const problems: string[] = [];
  let open: LogGroup | undefined;
  for (const line of stdout.split('\n')) {
    const start = /^::group::(.*)$/.exec(line);
    if (start) {
      if (open) problems.push(`group "${start[1] ?? ''}" starts inside group "${open.title}"`);
      open = { title: start[1] ?? '', lines: [] };
      groups.push(open);
    } else if (line === '::endgroup::') {
      if (!open) problems.push('::endgroup:: outside any group');
      open = undefined;
    } else if (open) open.lines.push(line);
    else outside.push(line);
  }
  if (open) problems.push(`group "${open.title}" never ends`);
  return { groups, outside, problems };
}

const ROOT_LINE = {
  roles: (l: string) => l.startsWith('roles: ') || l.includes('/terraform/roles') || l.includes('atlas_schema.roles'),
  schema: (l: string) => l.startsWith('schema: ') || l.includes('/terraform/schema') || l.includes('atlas_schema.app'),
};

/**
 * What is wrong with a plan run's root groups (empty when nothing is): both groups present,
 * roles first, each holding its root's terraform commands and result, and no line of one root
 * inside the other's group or outside both.
 */
export function rootGroupProblems(stdout: string): string[] {
  const { groups, outside, problems } = logGroups(stdout);
  const plans = groups.filter((g) => g.title.endsWith(': terraform init and plan'));
  const titles = plans.map((g) => g.title);
  if (titles.join('|') !== 'roles: terraform init and plan|schema: terraform init and plan') {
    problems.push(`root groups are ${JSON.stringify(titles)}`);
    return problems;
  }
  for (const [root, other] of [
    ['roles', 'schema'],
    ['schema', 'roles'],
  ] as const) {
    const group = plans.find((g) => g.title.startsWith(`${root}:`));
    const lines = group?.lines ?? [];
    for (const command of ['init', 'plan']) {
      if (!lines.some((l) => l.startsWith(`$ terraform ${command} `) && l.includes(`/terraform/${root})`)))
        problems.push(`the ${root} group lacks its terraform ${command}`);
    }
    if (!lines.some((l) => l.startsWith(`${root}: `))) problems.push(`the ${root} group lacks its result line`);
    for (const l of lines.filter(ROOT_LINE[other])) problems.push(`a ${other} line inside the ${root} group: ${l}`);
    for (const l of outside.filter(ROOT_LINE[root])) problems.push(`a ${root} line outside its group: ${l}`);
  }
  return problems;
}
