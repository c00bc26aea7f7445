/**
 * Request-handler options for an AWS SDK client whose calls must end. In this SDK `requestTimeout` alone only
 * logs a warning when the answer is late (it fails the call only with `throwOnRequestTimeout`), so a server
 * that never answers would hold the call for ever. With these, a call whose answer has not begun within
 * `requestMs`, or whose connection stays silent that long at any point (a body that stops arriving
 * included), fails with a TimeoutError, which the SDK retries as any transient error.
 */
export function boundedRequests(connectionMs: number, requestMs: number) {
  return {
    connectionTimeout: connectionMs,
    requestTimeout: requestMs,
    throwOnRequestTimeout: true,
    socketTimeout: requestMs,
  } as const;
}
