package io.flywheel.run;

/**
 * A mistake in what the user asked for (a query that does not parse, a table that does not exist, a
 * bad option value): printed as one {@code flywheel:} line, exit code 2, nothing written.
 */
public final class UsageError extends RuntimeException {
  public UsageError(String message) {
    super(message);
  }

  public UsageError(String message, Throwable cause) {
    super(message, cause);
  }
}
