package io.flywheel.llm;

/**
 * Paces permits (requests or tokens) to a steady rate for this JVM. Permits are spread evenly, never
 * bursted, so that a provider that enforces its per-minute limit over shorter windows does not see
 * a burst; the server's own {@code Retry-After} pauses every caller ({@link #pauseUntil}). A rate
 * of 0 means no limit (pauses still apply). Thread-safe.
 */
public final class RateLimiter {
  private final double nanosPerPermit;
  private long nextFree;
  private long pausedUntil;

  /** {@code perMinute}: permits per minute for this JVM; 0 for no limit. */
  public RateLimiter(double perMinute) {
    this(perMinute, System.nanoTime());
  }

  /** Starting at {@code now} on the caller's clock (tests pass a virtual one). */
  RateLimiter(double perMinute, long now) {
    this.nanosPerPermit = perMinute <= 0 ? 0 : 60e9 / perMinute;
    this.nextFree = now;
    this.pausedUntil = now;
  }

  /**
   * Books {@code permits} and returns how many nanoseconds the caller must wait before using them.
   * The next booking starts where this one ends.
   */
  public synchronized long reserve(double permits, long now) {
    long start = Math.max(Math.max(now, pausedUntil), nanosPerPermit > 0 ? nextFree : now);
    if (nanosPerPermit > 0) {
      nextFree = start + (long) (permits * nanosPerPermit);
    }
    return start - now;
  }

  /** Corrects an earlier booking by {@code permits} (negative: fewer were used than booked). */
  public synchronized void adjust(double permits) {
    if (nanosPerPermit > 0) {
      nextFree += (long) (permits * nanosPerPermit);
    }
  }

  /** No permit is handed out before {@code nanoTime}: the server asked everyone to wait. */
  public synchronized void pauseUntil(long nanoTime) {
    pausedUntil = Math.max(pausedUntil, nanoTime);
  }
}
