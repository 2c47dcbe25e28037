// Child of test/unit/wasm-tiering.test.ts: on the action's Node 24, loads one of the action's
// WebAssembly parsers from src/ (Node strips the types; this hook maps the sources' `./x.js`
// imports to `x.ts`), parses a small run's worth of input, and prints, as its last line, how much
// the process's peak memory grew meanwhile. Run with V8's --trace-wasm-compilation-times, the
// lines before it say which compiler compiled each function.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});

const [kind, source, ...inputs] = process.argv.slice(2);
const parser = await import(pathToFileURL(source).href);
let before;
if (kind === 'sql') {
  const parse = await parser.loadPgParser();
  before = process.resourceUsage().maxRSS;
  for (let i = 0; i < Number(inputs[0]); i++) {
    const result = parse(Buffer.from(`CREATE TABLE "public"."t_${i}" ("id" bigint NOT NULL, "note" text);`));
    if (!result.ok) throw new Error(result.message);
  }
} else {
  const hcl = await parser.hclParser();
  before = process.resourceUsage().maxRSS;
  for (const file of inputs) {
    const result = hcl.parse(readFileSync(file, 'utf8'));
    if (!result.body) throw new Error(`${file}: ${JSON.stringify(result)}`);
  }
}
console.log(JSON.stringify({ peakGrowthKiB: process.resourceUsage().maxRSS - before }));
