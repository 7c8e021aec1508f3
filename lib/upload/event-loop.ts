/**
 * Resolves once the event loop has polled for I/O at least once, so socket events that arrived
 * meanwhile (a connection closed, a request failed) have been handled. A setImmediate set from a
 * setImmediate runs after the next poll phase, wherever the first was set from (a timer, an I/O
 * callback or a microtask); a single one set from an I/O callback would run before it.
 */
export function afterIoPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
