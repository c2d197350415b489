package io.flywheel.llm;

/**
 * What became of one request after retries: an accepted response, or the last failure (with the
 * response that caused it, when there was one, so that its tokens and model are still recorded).
 * Status values are the ones of {@code llm_calls.status} (see docs/providers.md#outcomes).
 *
 * @param latencyMillis wall time of the call, retries and backoff included, waits for a
 *     concurrency or rate-limit slot excluded
 */
public record CallOutcome(LlmResponse response, LlmException error, int attempts, long latencyMillis) {
  public static CallOutcome failure(LlmException error, int attempts, long latencyMillis) {
    return new CallOutcome(null, error, attempts, latencyMillis);
  }

  public boolean ok() {
    return error == null;
  }

  /** {@code retryable_error} or {@code failed}; only meaningful when not {@link #ok()}. */
  public String errorStatus() {
    return error.status();
  }
}
