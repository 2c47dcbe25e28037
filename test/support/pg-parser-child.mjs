// Child of test/unit/pg-parser-tiering.test.ts: on the action's Node 24, loads the SQL parser
// from src/ (Node strips the types; this hook maps the sources' `./x.js` imports to `x.ts`),
// parses a small plan's worth of statements, and prints how much the process's peak memory
// grew meanwhile, as one JSON line.
import { Buffer } from 'node:buffer';
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

const [parserFile, count] = process.argv.slice(2);
const { loadPgParser } = await import(pathToFileURL(parserFile).href);
const parse = await loadPgParser();
const before = process.resourceUsage().maxRSS;
for (let i = 0; i < Number(count); i++) {
  const result = parse(Buffer.from(`CREATE TABLE "public"."t_${i}" ("id" bigint NOT NULL, "note" text);`));
  if (!result.ok) throw new Error(result.message);
}
console.log(JSON.stringify({ peakGrowthKiB: process.resourceUsage().maxRSS - before }));
