#!/usr/bin/env node
// Writes OUTDIR/licenses.txt: the license of every package bundled into OUTDIR/*.js.
//
// ncc's --license option writes one file per webpack chunk to the same name, so once the bundle
// has lazily loaded chunks (dynamic import() of pg, the AWS SDK, the PostgreSQL parser glue)
// the last chunk's list overwrites the others. The packages are read here from the source maps
// of every chunk instead, in the same format (name, license type, license text).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LICENSE_FILE = /^(licen[cs]e|copying)(\.[a-z]+)?$/i;

/** node_modules/<name> or node_modules/@scope/<name>, from the last node_modules in a source path. */
function packageDir(source) {
  const at = source.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const rest = source.slice(at + 'node_modules/'.length).split('/');
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  const first = source.indexOf('node_modules/');
  return { name, dir: path.join(REPO, source.slice(first, at), 'node_modules', name) };
}

async function licenseOf({ name, dir }) {
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
  const file = (await readdir(dir)).sort().find((f) => LICENSE_FILE.test(f));
  const text = file ? (await readFile(path.join(dir, file), 'utf8')).trim() : '';
  return `${name}\n${pkg.license ?? 'UNKNOWN'}\n${text}\n`;
}

const out = process.argv[2];
if (!out) throw new Error('usage: licenses.mjs OUTDIR');
const packages = new Map();
for (const map of (await readdir(out)).filter((f) => f.endsWith('.js.map')).sort()) {
  const { sources } = JSON.parse(await readFile(path.join(out, map), 'utf8'));
  for (const source of sources) {
    const p = packageDir(source);
    if (p && !packages.has(p.name)) packages.set(p.name, p);
  }
}
const names = [...packages.keys()].sort();
const texts = await Promise.all(names.map((n) => licenseOf(packages.get(n))));
await writeFile(path.join(out, 'licenses.txt'), `${texts.join('\n')}`);
