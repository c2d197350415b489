package io.flywheel.llm;

import java.util.concurrent.ThreadLocalRandom;

/** Calls a client, retrying retryable failures with exponential backoff and full jitter. */
public final class RetryingCaller {
  private final LlmClient client;
  private final int maxAttempts;
  private final long initialBackoffMs;

  public RetryingCaller(LlmClient client, int maxAttempts, long initialBackoffMs) {
    this.client = client;
    this.maxAttempts = maxAttempts;
    this.initialBackoffMs = initialBackoffMs;
  }

  public CallOutcome call(LlmRequest request) {
    long start = System.nanoTime();
    LlmException last = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        LlmResponse r = client.complete(request);
        return new CallOutcome(r, null, attempt, elapsedMs(start));
      } catch (LlmException e) {
        last = e;
        if (!e.retryable() || attempt == maxAttempts) {
          return new CallOutcome(null, e, attempt, elapsedMs(start));
        }
        sleep(backoffMs(attempt));
      } catch (RuntimeException e) {
        // An unexpected client bug must not kill the partition: record it as a non-retryable failure.
        last = new LlmException("client_error", e.getClass().getSimpleName(), false, e);
        return new CallOutcome(null, last, attempt, elapsedMs(start));
      }
    }
    return new CallOutcome(null, last, maxAttempts, elapsedMs(start));
  }

  /** Full jitter: uniform in [0, initial * 2^(attempt-1)], capped at 60 s. */
  long backoffMs(int attempt) {
    long cap = Math.min(60_000L, initialBackoffMs << Math.min(attempt - 1, 16));
    return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
  }

  private static long elapsedMs(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
