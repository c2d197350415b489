package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.config.FlywheelConfig;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** How the driver hands the run's budget to the partitions of a batch. */
class BudgetSharesTest {
  /** Per partition: requests and their estimated cost. */
  private static final List<Row> ESTIMATES = List.of(
      RowFactory.create(5L, 1.0), RowFactory.create(5L, 1.0), RowFactory.create(5L, 1.0), RowFactory.create(5L, 1.0));

  private static int sendable(CallBudget b, int requests, double eachUsd) {
    int sent = 0;
    for (int i = 0; i < requests; i++) {
      if (b.tryReserve(eachUsd)) {
        sent++;
      }
    }
    return sent;
  }

  @Test
  void callsAreHandedOutInPartitionOrderUntilTheyRunOut() {
    CallBudget[] shares = BudgetShares.of(new FlywheelConfig.Budget(12, 0), ESTIMATES, 0, 4, 0, 0);
    assertThat(shares).extracting(b -> sendable(b, 5, 0.2)).containsExactly(5, 5, 2, 0);
  }

  @Test
  void whatEarlierBatchesSpentIsTakenOffFirst() {
    CallBudget[] shares = BudgetShares.of(new FlywheelConfig.Budget(12, 0), ESTIMATES, 2, 2, 9, 0);
    assertThat(shares).extracting(b -> sendable(b, 5, 0.2)).containsExactly(3, 0);
  }

  @Test
  void costIsHandedOutTheSameWayAndAFullShareIsNeverCutByRounding() {
    CallBudget[] shares = BudgetShares.of(new FlywheelConfig.Budget(0, 2.5), ESTIMATES, 0, 4, 0, 0.3);
    // 2.2 left: partition 0 needs 1.0, partition 1 needs 1.0, partition 2 gets the 0.2 that is left.
    assertThat(shares).extracting(b -> sendable(b, 5, 0.2)).containsExactly(5, 5, 1, 0);
  }

  @Test
  void withoutEstimatesThereIsNoLimit() {
    CallBudget[] shares = BudgetShares.of(new FlywheelConfig.Budget(0, 0), null, 0, 3, 0, 0);
    assertThat(shares).extracting(b -> sendable(b, 1000, 1e9)).containsExactly(1000, 1000, 1000);
  }
}
