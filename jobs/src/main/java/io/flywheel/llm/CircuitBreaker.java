package io.flywheel.llm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops calling a provider that keeps failing: after {@code threshold} consecutive failed attempts
 * (transient or provider errors; a request's own fault does not count) it opens for {@code
 * cooldown}, then lets one probe through; a success closes it. While open, requests are not sent
 * and their rows are recorded as retryable ({@code circuit_open}). One per JVM and run.
 */
public final class CircuitBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

  private final String name;
  private final int threshold;
  private final long cooldownNanos;
  private int consecutiveFailures;
  private long openUntil;
  private boolean open;
  private boolean probing;

  public CircuitBreaker(String name, int threshold, long cooldownMillis) {
    this.name = name;
    this.threshold = threshold;
    this.cooldownNanos = cooldownMillis * 1_000_000;
  }

  /** Whether a request may be sent now. */
  public synchronized boolean allow(long now) {
    if (!open) {
      return true;
    }
    if (now - openUntil < 0 || probing) {
      return false;
    }
    probing = true;
    return true;
  }

  public synchronized void success() {
    if (open) {
      LOG.warn("circuit breaker for {} closed: a probe succeeded", name);
    }
    consecutiveFailures = 0;
    open = false;
    probing = false;
  }

  public synchronized void failure(long now, String errorClass) {
    consecutiveFailures++;
    if (open && probing || !open && consecutiveFailures >= threshold) {
      if (!open) {
        LOG.warn("circuit breaker for {} opened after {} consecutive failures (last: {}); pausing calls for {} ms",
            name, consecutiveFailures, errorClass, cooldownNanos / 1_000_000);
      }
      open = true;
      openUntil = now + cooldownNanos;
    }
    probing = false;
  }

  public synchronized boolean isOpen() {
    return open;
  }
}
