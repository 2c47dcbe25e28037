// Where the PostgreSQL parser's WebAssembly lives, in its own module on purpose.
//
// ncc's asset relocator evaluates this `new URL(…, import.meta.url)` at build time, copies the
// file into dist/ as `libpg-query.wasm` and rewrites the expression to that copy's path, so
// the bundle loads it offline with no extra build step. It only does so for modules it can
// parse as ES2020 and for a literal path: keep this file that small. From source (vitest, the
// benchmark) the URL resolves into node_modules, which npm installs at the repository root.
export const PG_QUERY_WASM = new URL('../../node_modules/libpg-query/wasm/libpg-query.wasm', import.meta.url);
