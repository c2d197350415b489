package io.flywheel.table;

import java.time.LocalDate;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The two ways a job writes a table (docs/jobs.md#writes): replace one run date's rows, or append a
 * batch exactly once. One instance per run invocation: its transaction ids carry a token of their
 * own, so a run started again under the same {@code --run-id} is not mistaken by Delta for a retry
 * of the old one (which would skip its appends).
 */
public final class TableWrites {
  private final Warehouse wh;
  private final String app;

  public TableWrites(Warehouse wh, String job, String runId) {
    this.wh = wh;
    this.app = "flywheel-" + job + "-" + runId + "-" + UUID.randomUUID();
  }

  /**
   * Appends {@code rows} to {@code table} as batch {@code batch} of this run: Delta skips a second
   * append with the same transaction id, so a retried batch never duplicates rows.
   */
  public void appendOnce(Dataset<Row> rows, Table table, long batch) {
    rows.write().format("delta").mode("append")
        .option("txnAppId", app + "-" + table.tableName())
        .option("txnVersion", batch)
        .save(wh.path(table));
  }

  /** Replaces {@code table}'s rows of {@code runDate} with {@code rows}, in one transaction. */
  public void replaceRunDate(Dataset<Row> rows, Table table, LocalDate runDate) {
    if (!java.util.Arrays.asList(table.schema().fieldNames()).contains("run_date")) {
      throw new IllegalArgumentException(table.tableName() + " has no run_date column");
    }
    rows.write().format("delta").mode("overwrite")
        .option("replaceWhere", "run_date = DATE'" + runDate + "'")
        .save(wh.path(table));
  }
}
