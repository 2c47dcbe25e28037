// One way to show a moment to a reader: the comment, the drift issue and the history all say
// "2026-05-01 12:00:00 UTC", never an ISO string in one place and something else in another.

/** An ISO-8601 UTC time (as Date.toISOString writes it) as "YYYY-MM-DD hh:mm:ss UTC". */
export function utcText(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}
