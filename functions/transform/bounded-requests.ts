/**
 * Request-handler options for an AWS SDK client whose calls must end. In this SDK `requestTimeout` alone only
 * logs a warning when the answer is late (it fails the call only with `throwOnRequestTimeout`), so a server
 * that never answers would hold the call for ever. With these, a call whose answer has not begun within
 * `requestMs` fails with a TimeoutError, which the SDK retries as any transient error.
 *
 * A body that stalls after the headers is the reader's to watch (a stall guard times only the waits for the
 * next chunk): a socket timeout would also fail a healthy body whose reader is busy elsewhere for that long.
 */
export function boundedRequests(connectionMs: number, requestMs: number) {
  return {
    connectionTimeout: connectionMs,
    requestTimeout: requestMs,
    throwOnRequestTimeout: true,
  } as const;
}
