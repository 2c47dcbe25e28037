// core/: the infrastructure every other folder stands on. The one log writer, the one Markdown
// writer and the one redactor (untrusted text leaves the process only through them), the one
// process spawner, JSON narrowing, stack mapping, temp clean-up, and the shared data shapes.
// Imports nothing from the other folders.

/** The one writer to the job log: redacts, and keeps foreign text from being read as workflow commands. */
export { log } from './log.js';
/** A log destination; `log` itself or a BufferedLog that prints one group at a time. */
export type { Logger } from './log.js';
/** Collects log lines of work running beside other work and prints them as one group. */
export { BufferedLog } from './log.js';
/** The message of anything thrown, redacted. */
export { errorMessage } from './log.js';

/** Runs a binary to completion, streaming its output lines; the one place a process is spawned. */
export { runProcess } from './exec.js';
/** True once stopAll() was called: no further process may start. */
export { isStopping } from './exec.js';
/** Interrupts every running child once (cancellation) and refuses new ones. */
export { stopAll } from './exec.js';

/** A JSON object from outside, every field unchecked. */
export type { JsonObject } from './json.js';
/** True for an object that is not null and not an array. */
export { isObject } from './json.js';
/** The value as an object, or an empty one. */
export { obj } from './json.js';
/** The value as a string, or ''. */
export { str } from './json.js';
/** A finite number, or undefined. */
export { num } from './json.js';
/** An array of strings, or undefined when the value is anything else. */
export { strings } from './json.js';
/** The value as an array, or an empty one. */
export { array } from './json.js';

/** A number with thousands separators ("1,234,567"), without loading the locale data. */
export { thousands } from './thousands.js';

/** Keeps briefly-run WebAssembly (the SQL and HCL parsers) on V8's baseline code; call before instantiating. */
export { keepWasmOnBaselineTier } from './wasm-tiering.js';

/** The one redactor: every registered secret and every credential-shaped value masked. */
export { redact } from './redact/index.js';
/** Adds a value the redactor masks from now on (and masks it in the runner). */
export { registerSecret } from './redact/index.js';

/** Markdown writer: untrusted text as inert prose. */
export { text } from './markdown.js';
/** Markdown writer: untrusted text inside HTML (e.g. a details summary). */
export { htmlText } from './markdown.js';
/** Markdown writer: untrusted text as a code span. */
export { code } from './markdown.js';
/** Markdown writer: untrusted text as a fenced block no content can close. */
export { fence } from './markdown.js';
/** Markdown writer: a fenced block of text the action wrote itself. */
export { fenceTrusted } from './markdown.js';
/** Markdown writer: a link from a label that is already safe Markdown and a URL the action built. */
export { link } from './markdown.js';
/** Markdown writer: a collapsed `<details>` section around safe Markdown. */
export { details } from './markdown.js';
/** True when the text holds bidirectional control characters (Trojan Source). */
export { hasBidi } from './markdown.js';
/** The text with bidirectional control characters shown as visible escapes. */
export { showBidi } from './markdown.js';
/** A UTC time as readers see it: "YYYY-MM-DD hh:mm:ss UTC". */
export { utcText } from './utc.js';

/** The error's stack mapped back to src/, for a debug line. */
export { errorStack } from './stack.js';
/** Holds started work as a promise that never rejects; `outcome` unwraps it where it is awaited. */
export { settle, outcome, type Settled } from './settle.js';
/** Removes the temporary directories the main step left in RUNNER_TEMP (the post step). */
export { cleanup } from './cleanup.js';

/** The shared data shapes the folders exchange (inputs, run context, Terraform and Atlas results, the review record). */
export type {
  AtlasPlan,
  Classification,
  CommitRange,
  Diagnostic,
  HistoryEntry,
  Inputs,
  Mode,
  ModeInput,
  RepoRef,
  ReviewContext,
  ReviewFact,
  PermissionFact,
  ApprovalLookup,
  ReviewedPlan,
  ReviewedRoot,
  RolesChange,
  RootName,
  RootOutcome,
  RootStep,
  RunContext,
  StatementClass,
  TerraformRun,
} from './types.js';
/** Every statement class, most severe first; and the classes held on merge unless `gated-classes` says otherwise. */
export { STATEMENT_CLASSES, DEFAULT_GATED_CLASSES } from './types.js';
