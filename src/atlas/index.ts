// atlas/: what Atlas says. The "Atlas Plan" diagnostics of a Terraform run become ordered SQL
// statements; the PostgreSQL parser (libpg-query) classifies each one; `atlas version` is read.
// May import core/ only.

/** A Terraform run's Atlas SQL, errors and other warnings. */
export { atlasPlan } from './plan.js';
/** True when the statements create the given role (a first bootstrap of the schema root's user). */
export { createsRole } from './plan.js';
/** Loads the SQL parser once; later calls return the same promise. */
export { loadClassifier } from './classify.js';
/** Classifies statements in order: destructive, access-reducing, locking or safe, with a reason. */
export { classifyStatements } from './classify.js';
/** The Atlas CLI's version on this runner; throws a clear error when the CLI is missing or broken. */
export { atlasVersion } from './version.js';
/** One key per statement: its parse tree without positions, or its exact text where the parse cannot be trusted. */
export { statementKeys } from './sql-key.js';
/** The bundled PostgreSQL parser (WASM), loaded once. */
export { loadPgParser, type ParseBytes } from './pg-parser.js';
/** Parses a batch of statements one by one, keeping each one's own result or error. */
export { parseEach } from './pg-batch.js';
/** Each statement's parse trees, or undefined where the parser rejected it (for the access model). */
export { parseTrees } from './parse-trees.js';
