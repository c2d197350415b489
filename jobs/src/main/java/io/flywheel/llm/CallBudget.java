package io.flywheel.llm;

import java.io.Serializable;

/**
 * The part of a run's budget that one partition of calls may spend: a number of calls and an
 * estimated cost. A call reserves its worst-case cost before it is sent and settles the real cost
 * after, so the share is not overspent by concurrent calls. Thread-safe; see
 * docs/providers.md#budget.
 */
public final class CallBudget implements Serializable {
  private final long maxCalls;
  private final double maxCostUsd;
  private long calls;
  private double costUsd;

  public CallBudget(long maxCalls, double maxCostUsd) {
    this.maxCalls = maxCalls;
    this.maxCostUsd = maxCostUsd;
  }

  public static CallBudget unlimited() {
    return new CallBudget(Long.MAX_VALUE, Double.POSITIVE_INFINITY);
  }

  /** A fresh budget with the same limits (each task spends its own copy). */
  public CallBudget copy() {
    return new CallBudget(maxCalls, maxCostUsd);
  }

  /** Books one call of at most {@code estimatedCostUsd}; false when that would pass a limit. */
  public synchronized boolean tryReserve(double estimatedCostUsd) {
    if (calls >= maxCalls || costUsd + estimatedCostUsd > maxCostUsd) {
      return false;
    }
    calls++;
    costUsd += estimatedCostUsd;
    return true;
  }

  /** Replaces a call's booked estimate by what it really cost. */
  public synchronized void settle(double estimatedCostUsd, double actualCostUsd) {
    costUsd += actualCostUsd - estimatedCostUsd;
  }

  public long maxCalls() {
    return maxCalls;
  }

  public double maxCostUsd() {
    return maxCostUsd;
  }
}
