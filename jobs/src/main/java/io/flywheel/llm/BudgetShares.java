package io.flywheel.llm;

import io.flywheel.config.FlywheelConfig;
import java.util.List;
import org.apache.spark.sql.Row;

/** How the driver hands a run's {@code llm.budget} to the tasks of one batch of calls. */
public final class BudgetShares {
  private BudgetShares() {}

  /**
   * What each partition of one batch may spend: the budget left after the batches before, handed
   * out in partition order, each partition getting what its requests need while it lasts.
   *
   * @param estimates per partition of the whole call plan: (calls it may make: long, their
   *     worst-case cost: double); null when no budget is set (every share unlimited)
   */
  public static CallBudget[] of(
      FlywheelConfig.Budget budget, List<Row> estimates, int first, int count, long callsSent, double spentUsd) {
    CallBudget[] shares = new CallBudget[count];
    long callsLeft = budget.maxCalls() > 0 ? Math.max(0, budget.maxCalls() - callsSent) : Long.MAX_VALUE;
    double costLeft = budget.maxCostUsd() > 0 ? Math.max(0, budget.maxCostUsd() - spentUsd) : Double.POSITIVE_INFINITY;
    for (int i = 0; i < count; i++) {
      if (estimates == null) {
        shares[i] = CallBudget.unlimited();
        continue;
      }
      Row e = estimates.get(first + i);
      long n = e.getLong(0);
      double c = e.getDouble(1);
      // A partition whose whole need fits gets no cap at all, so rounding cannot skip its last call.
      long calls = callsLeft >= n ? Long.MAX_VALUE : callsLeft;
      callsLeft = callsLeft >= n ? callsLeft - n : 0;
      double cost = costLeft >= c ? Double.POSITIVE_INFINITY : costLeft;
      costLeft = costLeft >= c ? costLeft - c : 0;
      shares[i] = new CallBudget(calls, cost);
    }
    return shares;
  }
}
