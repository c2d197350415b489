package io.flywheel.llm;

/**
 * What became of one request after retries: a response, or the last failure. Status values are the
 * ones of {@code llm_calls.status} (see docs/tables.md#llm_calls).
 */
public record CallOutcome(LlmResponse response, LlmException error, int attempts, long latencyMillis) {
  public boolean ok() {
    return response != null;
  }

  /** {@code retryable_error} or {@code failed}; only meaningful when not {@link #ok()}. */
  public String errorStatus() {
    return error != null && error.retryable() ? "retryable_error" : "failed";
  }
}
