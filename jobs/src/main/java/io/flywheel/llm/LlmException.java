package io.flywheel.llm;

/**
 * A failed model call, with what it means for the row (see docs/providers.md#errors). Messages
 * never hold secrets: clients build them from status codes and scrubbed server text only.
 */
public class LlmException extends RuntimeException {
  /** Who is at fault, which decides retries now and the row's status. */
  public enum Kind {
    /** Trying again soon can succeed (429, 5xx, timeouts, resets, broken bodies): retried with backoff. */
    TRANSIENT,
    /** The provider or its setup is at fault (401, 403, 404, missing key): not retried now, retried next run. */
    PROVIDER,
    /** This request cannot succeed (400, context length, content filter, invalid output): {@code failed}. */
    REQUEST
  }

  private final Kind kind;
  private final String errorClass;
  private final long retryAfterMillis;

  public LlmException(String errorClass, String message, boolean retryable) {
    this(errorClass, message, retryable ? Kind.TRANSIENT : Kind.REQUEST, -1, null);
  }

  public LlmException(String errorClass, String message, boolean retryable, Throwable cause) {
    this(errorClass, message, retryable ? Kind.TRANSIENT : Kind.REQUEST, -1, cause);
  }

  public LlmException(String errorClass, String message, Kind kind) {
    this(errorClass, message, kind, -1, null);
  }

  /** {@code retryAfterMillis}: what the server asked us to wait, or -1 when it did not say. */
  public LlmException(String errorClass, String message, Kind kind, long retryAfterMillis, Throwable cause) {
    super(message, cause);
    this.errorClass = errorClass;
    this.kind = kind;
    this.retryAfterMillis = retryAfterMillis;
  }

  /** Whether trying again within this run can succeed. */
  public boolean retryable() {
    return kind == Kind.TRANSIENT;
  }

  public Kind kind() {
    return kind;
  }

  /** The {@code llm_calls.status} of a row that ends with this error. */
  public String status() {
    return kind == Kind.REQUEST ? "failed" : "retryable_error";
  }

  /** The server's {@code Retry-After}, in milliseconds, or -1. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** Short, stable class of the failure, e.g. {@code http_429}, {@code timeout}, {@code bad_json}. */
  public String errorClass() {
    return errorClass;
  }
}
