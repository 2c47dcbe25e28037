import type { IamLogin } from '../aws/index.js';
import type { OpenSession, SessionOptions } from '../database/index.js';

// The live facts of a run (the access catalog, the impact facts) are read through one
// injected side effect, so the phases that read them run in-process with a test database.

/**
 * Opens a READ ONLY, bounded session of the live facts, logged in as `login` with an RDS IAM
 * token. Rejects when the token cannot be signed or the login fails.
 */
export type OpenFacts = (login: IamLogin, options: SessionOptions) => Promise<OpenSession>;
