package io.flywheel.llm;

/**
 * A failed model call. {@link #retryable()} says whether trying again later can succeed (rate
 * limits, timeouts, 5xx) or not (bad request, auth, content filter). Messages never hold secrets.
 */
public class LlmException extends RuntimeException {
  private final boolean retryable;
  private final String errorClass;

  public LlmException(String errorClass, String message, boolean retryable) {
    super(message);
    this.errorClass = errorClass;
    this.retryable = retryable;
  }

  public LlmException(String errorClass, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.errorClass = errorClass;
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  /** Short, stable class of the failure, e.g. {@code http_429}, {@code timeout}, {@code bad_json}. */
  public String errorClass() {
    return errorClass;
  }
}
