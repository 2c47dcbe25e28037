// Work started early and awaited later (atlas version beside the guardrails, the preflight beside
// `terraform init`) is held as a Settled promise: it never rejects, so nothing needs a
// `.catch(() => undefined)` to keep Node from reporting an unhandled rejection, and the error is
// still delivered, by `outcome`, at the point where the run waits for it.

/** The outcome of a promise, as a value. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Starts watching `work` now; the returned promise always fulfils. */
export function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
}

/** The value of a settled promise, or its error thrown here, where the run waits for it. */
export async function outcome<T>(pending: Promise<Settled<T>>): Promise<T> {
  const settled = await pending;
  if (settled.ok) return settled.value;
  throw settled.error;
}
