// The emscripten factory inside libpg-query (wasm/libpg-query.js), which ships no types of
// its own. Only what pg-parser.ts uses is declared.
declare module 'libpg-query/wasm/libpg-query.js' {
  export interface PgQueryWasm {
    _wasm_parse_query_raw(query: number): number;
    _wasm_free_parse_result(result: number): void;
    _malloc(size: number): number;
    _free(pointer: number): void;
    /** Views of the module's memory; replaced when the memory grows, so read them after each call. */
    HEAPU8: Uint8Array;
    HEAPU32: Uint32Array;
  }
  export interface PgQueryOptions {
    print?: (text: string) => void;
    printErr?: (text: string) => void;
    /** Instantiates the module with these imports itself; `receive` takes the WebAssembly.Instance. */
    instantiateWasm?: (imports: object, receive: (instance: object) => void) => object;
  }
  const factory: (options?: PgQueryOptions) => Promise<PgQueryWasm>;
  export default factory;
}
