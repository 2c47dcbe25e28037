// Types of login-state.mjs for the TypeScript test helpers that import it.

/** Records a login for the HOME in env, as `atlas login --token` does. */
export declare function writeLogin(token: string, env?: NodeJS.ProcessEnv): void;
