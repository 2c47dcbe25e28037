import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problems } from './fields.js';
import { quote } from './input-rules.js';

// The workspace (the checkout) and the directories inputs name inside it. A working directory
// is where Terraform runs the pull request's code, so it must really be inside the checkout,
// also through symbolic links.

/** The directory working directories and roles-paths are relative to. */
export function workspaceDir(): string {
  return path.resolve(process.env['GITHUB_WORKSPACE'] || process.cwd());
}

/**
 * Working directories are kept workspace-relative with forward slashes, because the same
 * string feeds the default roles-paths glob and the PR comment marker.
 */
export function readDirectory(raw: string, p: Problems): string {
  const name = p.name;
  const root = workspaceDir();
  const absolute = path.resolve(root, raw);
  const outside = (from: string, to: string): boolean => {
    const relative = path.relative(from, to);
    return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  };
  if (outside(root, absolute)) {
    p.problem(`Input "${name}" must be a directory inside the workspace ${root}; got ${quote(raw)}`);
    return raw;
  }
  let real: string | undefined;
  try {
    real = fs.statSync(absolute).isDirectory() ? fs.realpathSync(absolute) : undefined;
  } catch {
    // reported below
  }
  if (real === undefined) {
    p.problem(
      `Input "${name}" must be an existing directory relative to the workspace ${root} (did the checkout step run?); got ${quote(raw)}`,
    );
  } else if (outside(fs.realpathSync(root), real)) {
    // A symlink in the repository pointing elsewhere would run Terraform outside the checkout.
    p.problem(
      `Input "${name}" resolves (through a symbolic link) to ${quote(real)}, outside the workspace ${root}; point it at a real directory of the repository`,
    );
  }
  return path.relative(root, absolute).split(path.sep).join('/') || '.';
}
