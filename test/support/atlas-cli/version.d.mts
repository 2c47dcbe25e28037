// Types of version.mjs for the TypeScript test helpers that import it.

/** A real release tag of ariga/atlas; ATLAS_STANDIN_CLI_VERSION makes two runners differ. */
export declare const DEFAULT_VERSION: string;
/** `atlas version` output as the official binary prints it. */
export declare function versionText(version: string): string;
