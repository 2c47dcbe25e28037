import { readFile } from 'node:fs/promises';
import type { RawStmt } from 'libpg-query';
import type { PgQueryWasm } from 'libpg-query/wasm/libpg-query.js';
import { keepWasmOnBaselineTier } from '../core/index.js';
import { PG_QUERY_WASM } from './pg-query-wasm.js';

// The PostgreSQL 17 raw parser (libpg_query compiled to WebAssembly), driven directly through
// its emscripten factory rather than through the package's index.js, for three reasons:
// - index.js starts compiling the WASM as soon as it is imported; here nothing happens until
//   the first statement needs classifying;
// - the factory finds its .wasm next to its own file via `__dirname`, which means nothing once
//   bundled; we read the bytes from PG_QUERY_WASM ourselves and hand over the instance;
// - the glue prints through console.log/console.error by default, and stdout is where a runner
//   looks for workflow commands; nothing the parser might print may land there.
// The struct layouts read below are libpg_query's (PgQueryParseResult, PgQueryError), read at
// the offsets the package's own index.js uses.

export type ParseOutcome = { ok: true; stmts: RawStmt[] } | { ok: false; message: string; position?: number };
/** Parses UTF-8 SQL (without a terminating NUL; the text must hold none). Throws only if the WASM itself fails. */
export type ParseBytes = (utf8: Uint8Array) => ParseOutcome;

// The few WebAssembly calls used, typed here: the project's libs (ES2023 + Node) declare none.
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

let instance: Promise<ParseBytes> | undefined;

/**
 * The process's one parser: compiled and instantiated on the first call, shared by every later
 * caller (the classifier, the plan fingerprint, the impact model). Each instance costs a compile
 * of the 1.1 MB module, 128 MiB of WebAssembly memory and the full garbage collection V8 runs
 * when that much external memory appears; calls are synchronous, so sharing is safe.
 */
export function loadPgParser(): Promise<ParseBytes> {
  instance ??= instantiate();
  return instance;
}

async function instantiate(): Promise<ParseBytes> {
  // Imported here, not at the top: the emscripten glue is ~0.3 MB of code that a run without
  // SQL to classify never needs, and every static import is evaluated when the bundle starts.
  const [{ default: createPgQuery }, bytes] = await Promise.all([import('libpg-query/wasm/libpg-query.js'), readFile(PG_QUERY_WASM)]);
  // The grammar's parse loop is the function V8 would otherwise optimise, at great cost (see there).
  keepWasmOnBaselineTier();
  const wasm = await WebAssembly.compile(bytes);
  const module = await new Promise<PgQueryWasm>((resolve, reject) => {
    const start = (): Promise<PgQueryWasm> =>
      createPgQuery({
        print: discard,
        printErr: discard,
        instantiateWasm(imports, receive) {
          WebAssembly.instantiate(wasm, imports).then(receive, reject);
          return {};
        },
      });
    withDirname(start).then(resolve, reject);
  });
  return (utf8) => parseWith(module, utf8);
}

function discard(): void {}

/**
 * The glue's first statements read `__dirname`, a CommonJS variable: loaded from node_modules
 * it has its own, but inside the ESM bundle the name is unbound and throwing. It only builds
 * a path we never use (instantiateWasm replaces the file lookup), so a placeholder is defined
 * for the synchronous start of the factory and removed right after.
 */
function withDirname<T>(start: () => T): T {
  const scope = globalThis as { __dirname?: string };
  if ('__dirname' in scope) return start();
  scope.__dirname = '.';
  try {
    return start();
  } finally {
    delete scope.__dirname;
  }
}

const decoder = new TextDecoder();

/**
 * One call of libpg_query. Text crosses the boundary as bytes, copied in and decoded out with
 * a native search for the terminating NUL, not the glue's byte-by-byte JavaScript loops, which
 * dominate a cold run over thousands of statements.
 */
function parseWith(m: PgQueryWasm, bytes: Uint8Array): ParseOutcome {
  // The WASM wrapper returns no result at all for an empty string; like whitespace, it holds no statement.
  if (bytes.length === 0) return { ok: true, stmts: [] };
  const query = m._malloc(bytes.length + 1);
  let result = 0;
  try {
    m.HEAPU8.set(bytes, query);
    m.HEAPU8[query + bytes.length] = 0;
    result = m._wasm_parse_query_raw(query);
    if (!result) throw new Error('libpg_query returned no result (out of memory?)');
    // struct PgQueryParseResult { char *parse_tree; char *stderr_buffer; PgQueryError *error; }
    const [tree = 0, , error = 0] = m.HEAPU32.subarray(result >>> 2, (result >>> 2) + 3);
    if (error) {
      // struct PgQueryError { char *message; char *funcname; char *filename; int lineno; int cursorpos; … }
      const [message = 0, , , , cursor = 0] = m.HEAPU32.subarray(error >>> 2, (error >>> 2) + 5);
      return { ok: false, message: message ? cString(m, message) : 'unknown parser error', position: cursor };
    }
    if (!tree) throw new Error('libpg_query returned neither a parse tree nor an error');
    const parsed = JSON.parse(cString(m, tree)) as { stmts?: RawStmt[] };
    return { ok: true, stmts: parsed.stmts ?? [] };
  } finally {
    m._free(query);
    if (result) m._wasm_free_parse_result(result);
  }
}

function cString(m: PgQueryWasm, pointer: number): string {
  const heap = m.HEAPU8;
  const end = heap.indexOf(0, pointer);
  if (end < 0) throw new Error('libpg_query returned an unterminated string');
  return decoder.decode(heap.subarray(pointer, end));
}
