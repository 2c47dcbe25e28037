import { type LintContext, filesOf } from './context.js';
import { type Block, type Body, traversals } from './hcl-model.js';
import { finding, quote } from './rules.js';
import { roleBlocks } from './rules-roles.js';
import type { LintFinding } from './types.js';

// The schema HCL: schema-has-roles, schema-references-role.

export function schemaRules(ctx: LintContext): LintFinding[] {
  const files = filesOf(ctx.schema.targets);
  const rolesDir = ctx.roles.dir;

  const declared = roleBlocks(files).map(({ file, block, name }) =>
    finding(
      'schema-has-roles',
      file.rel,
      block.line,
      `${block.type} ${quote(name)} is declared in HCL that the schema root reads. If the schema state sees role definitions, Atlas may plan role SQL while connected as ${ctx.dbUser}, and that user should not have permission to create roles. Move the block to the roles HCL (the roles root, ${rolesDir}) and refer to the role by name from schema HCL (to = ${quote(name)}).`,
    ),
  );

  const references = files.flatMap((file) =>
    // References inside a role or user block are part of that block's schema-has-roles finding.
    nonRoleBlocks(file.body).flatMap((block) =>
      attributesDeep(block).flatMap((attr) =>
        traversals(attr.value)
          .filter((t) => (t.root === 'role' || t.root === 'user') && t.path.length >= 1)
          .map((t) => {
            const name = t.path[t.path.length - 1]!;
            const ref = `${t.root}.${t.path.join('.')}`;
            return finding(
              'schema-references-role',
              file.rel,
              attr.line,
              `${attr.name} = ${ref} refers to a role block, but roles live in the roles state (${rolesDir}), not in the schema HCL. Use the role name as a string, ${attr.name} = ${quote(name)}, so the schema state can generate the grant without loading role HCL or planning role DDL.`,
            );
          }),
      ),
    ),
  );
  return [...declared, ...references];
}

function nonRoleBlocks(body: Body | undefined): Block[] {
  return (body?.blocks ?? []).filter((b) => b.type !== 'role' && b.type !== 'user');
}

function attributesDeep(block: Block): Block['attributes'] {
  return [...block.attributes, ...block.blocks.flatMap(attributesDeep)];
}
