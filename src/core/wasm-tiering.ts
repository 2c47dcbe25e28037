import { setFlagsFromString } from 'node:v8';

// V8 runs WebAssembly on its baseline compiler (Liftoff) and re-compiles a function with its
// optimising compiler, on a background thread, once the function has run "enough" (the tiering
// budget, ~13 MB of code executed by default). The action's two WebAssembly parsers run briefly:
// - the SQL parser (libpg-query) reaches the budget on its second statement, and the function
//   V8 then optimises is the grammar's one huge parse loop: 2 s of CPU (6 s wall on a loaded
//   2-core runner, beside Terraform) and ~550 MB of compiler memory, after which every spawn
//   of terraform copies a 600 MB address space;
// - tree-sitter's HCL parser reaches it within the seed project's ten files: ~120 ms of CPU.
// The baseline code is fast enough for what a run parses (≈ 0.3 ms a SQL statement). The
// largest budget postpones the optimisation to plans of a few hundred statements, where it
// pays for itself. V8 reads the budget when a module is instantiated and whenever a function's
// budget runs out, so it is set for the process, before the first instance.
const TIERING_BUDGET = 2 ** 31 - 1;

/** Keeps briefly-run WebAssembly on V8's baseline code; call before instantiating a module. Idempotent. */
export function keepWasmOnBaselineTier(): void {
  setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
}
