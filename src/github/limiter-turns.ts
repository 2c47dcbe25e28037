import Bottleneck from 'bottleneck/light.js';

// Every GitHub request passes through bottleneck twice: @octokit/plugin-throttling schedules it
// in its queues, and @octokit/plugin-retry in a limiter of its own. Bottleneck's in-memory
// datastore hands control back to the event loop between its steps, as a Redis datastore would
// wait for Redis, and it does that with `setTimeout(resolve, 0)`: about a dozen timers per
// request, each at least 1 ms, so ~12 ms of waiting per request with nothing to wait for
// (measured against a loopback server: a GET 18 → 6.5 ms, the comment's first PATCH 24 → 11 ms).
// Two of those requests sit between the last plan and the end of a run. Handing control back
// with setImmediate keeps every step asynchronous, in the same order among bottleneck's own
// steps (all of them yield the same way), without the 1 ms floor; rate limits and retries are
// decided as before (their waits are bottleneck's own timers, which are left alone).

/** Bottleneck's in-memory datastore, as far as this module uses it. */
interface LocalDatastore {
  yieldLoop(t?: number): Promise<void>;
}

/** Set once the datastore yields with setImmediate. */
let done = false;

/**
 * Makes bottleneck's in-memory datastore yield with setImmediate instead of a 0 ms timer, once
 * for the process (every limiter shares the class). A datastore that is not the one this was
 * written for (bottleneck 2.x) is left as it is: the requests still work, only slower, and
 * test/unit/limiter-turns.test.ts fails.
 */
export function yieldWithoutTimers(): void {
  if (done) return;
  const probe = new Bottleneck() as unknown as { _store?: unknown };
  const store = probe._store;
  const proto: unknown = store === null || typeof store !== 'object' ? undefined : Object.getPrototypeOf(store);
  if (!isDatastore(proto)) return;
  proto.yieldLoop = nextTurn;
  done = true;
}

function isDatastore(proto: unknown): proto is LocalDatastore {
  return proto !== null && typeof proto === 'object' && typeof (proto as { yieldLoop?: unknown }).yieldLoop === 'function';
}

/** One turn of the event loop (after pending I/O), as bottleneck's own yield without its 1 ms timer; a delay is kept as a timer. */
function nextTurn(t = 0): Promise<void> {
  return new Promise((resolve) => (t > 0 ? setTimeout(resolve, t) : setImmediate(resolve)));
}
