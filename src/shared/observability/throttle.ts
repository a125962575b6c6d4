/**
 * A log call for repeated trouble (a Redis outage makes every worker report every reconnect):
 * the first call goes through, then at most one per `everyMs`, each saying how many were dropped
 * since the last one.
 */
export function throttled<A>(everyMs: number, log: (arg: A, dropped: number) => void, now: () => number = Date.now): (arg: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  let dropped = 0;
  return (arg) => {
    const at = now();
    if (at - last < everyMs) {
      dropped++;
      return;
    }
    log(arg, dropped);
    last = at;
    dropped = 0;
  };
}
