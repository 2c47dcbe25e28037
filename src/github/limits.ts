// GitHub's size limits, which both the renderer (fitting a body) and the API layer (explaining
// a 422) need to know.

/** GitHub rejects issue/PR comment and issue bodies longer than this many characters. */
export const COMMENT_MAX_LENGTH = 65_536;
/** GitHub's per-step job summary limit (1 MiB). */
export const SUMMARY_MAX_LENGTH = 1_048_576;
