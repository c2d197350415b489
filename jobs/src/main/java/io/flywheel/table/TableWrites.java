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

  /**
   * A run's identity in the rows it writes: the run id and the time the row was made. Rows that differ
   * only there hold the same content ({@link #replaceRunDate}).
   */
  public static final java.util.Set<String> RUN_IDENTITY = java.util.Set.of("run_id", "created_at");

  /**
   * Replaces {@code table}'s rows of {@code runDate} with {@code rows}, in one transaction; see the
   * overload. Returns whether it wrote.
   */
  public boolean replaceRunDate(Dataset<Row> rows, Table table, LocalDate runDate) {
    return replaceRunDate(rows, table, runDate, java.util.Map.of());
  }

  /**
   * Replaces {@code table}'s rows of {@code runDate} whose columns also equal {@code alsoEqual} (values
   * of letters, digits and {@code _.:-} only, e.g. a key hash) with {@code rows}, in one transaction;
   * every row of {@code rows} must match.
   *
   * <p>When those rows already hold the same content ({@code rows} equal them as a multiset, but for
   * the {@link #RUN_IDENTITY} columns), nothing is written and the table keeps its version: a rerun of a
   * date that computes what the first run wrote changes no table, and the rows keep the id of the run
   * that wrote them. {@code rows} is computed once (persisted) for the comparison and the write.
   * Returns whether it wrote.
   */
  public boolean replaceRunDate(Dataset<Row> rows, Table table, LocalDate runDate, java.util.Map<String, String> alsoEqual) {
    java.util.List<String> columns = java.util.Arrays.asList(table.schema().fieldNames());
    if (!columns.contains("run_date")) {
      throw new IllegalArgumentException(table.tableName() + " has no run_date column");
    }
    StringBuilder where = new StringBuilder("run_date = DATE'" + runDate + "'");
    for (java.util.Map.Entry<String, String> e : new java.util.TreeMap<>(alsoEqual).entrySet()) {
      if (!columns.contains(e.getKey()) || !e.getValue().matches("[A-Za-z0-9_.:-]+")) {
        throw new IllegalArgumentException("cannot replace " + table.tableName() + " rows where " + e.getKey() + " = " + e.getValue());
      }
      where.append(" AND `").append(e.getKey()).append("` = '").append(e.getValue()).append('\'');
    }
    // Persisted here unless the caller already did (and then left to the caller).
    boolean own = rows.storageLevel().equals(org.apache.spark.storage.StorageLevel.NONE());
    Dataset<Row> fresh = own ? rows.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()) : rows;
    try {
      if (wh.exists(table) && sameContent(fresh, wh.read(table).where(where.toString()), columns)) {
        return false;
      }
      fresh.write().format("delta").mode("overwrite")
          .option("replaceWhere", where.toString())
          .save(wh.path(table));
      return true;
    } finally {
      if (own) {
        fresh.unpersist();
      }
    }
  }

  /**
   * Whether {@code a} and {@code b} hold the same rows, duplicates counted, over {@code columns} but
   * the {@link #RUN_IDENTITY} ones (compared as JSON, so maps and arrays compare too).
   */
  static boolean sameContent(Dataset<Row> a, Dataset<Row> b, java.util.List<String> columns) {
    org.apache.spark.sql.Column content = org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(
        columns.stream().filter(c -> !RUN_IDENTITY.contains(c)).map(org.apache.spark.sql.functions::col)
            .toArray(org.apache.spark.sql.Column[]::new)));
    Dataset<Row> x = a.select(content.as("c"));
    Dataset<Row> y = b.select(content.as("c"));
    return x.exceptAll(y).isEmpty() && y.exceptAll(x).isEmpty();
  }

  /**
   * Inserts the rows of {@code rows} whose key ({@link Table#key()}) is not in {@code table} yet, in
   * one MERGE (insert only): a row already there is never written twice nor changed. {@code rows}
   * must hold one row per key and the table's columns.
   */
  public void insertNew(Dataset<Row> rows, Table table) {
    delta(rows.sparkSession(), table).as("t")
        .merge(rows.as("s"), keyMatch(table))
        .whenNotMatched().insertAll()
        .execute();
  }

  /** Inserts new keys and replaces the rows of existing ones, in one MERGE; {@code rows}: one row per key. */
  public void upsert(Dataset<Row> rows, Table table) {
    delta(rows.sparkSession(), table).as("t")
        .merge(rows.as("s"), keyMatch(table))
        .whenMatched().updateAll()
        .whenNotMatched().insertAll()
        .execute();
  }

  /**
   * Sets {@code columns} from {@code rows} on the rows of {@code table} with the same key whose
   * {@code guard} column is still null, in one MERGE; rows already set and keys not in the table are
   * left alone. {@code rows}: one row per key, with the key columns and {@code columns}.
   */
  public void fillWhereNull(Dataset<Row> rows, Table table, String guard, java.util.List<String> columns) {
    java.util.Map<String, String> set = new java.util.LinkedHashMap<>();
    for (String c : columns) {
      set.put(c, "s.`" + c + "`");
    }
    delta(rows.sparkSession(), table).as("t")
        .merge(rows.as("s"), keyMatch(table))
        .whenMatched("t.`" + guard + "` IS NULL").updateExpr(set)
        .execute();
  }

  /** Deletes the rows of {@code table} whose {@code column} equals a value of {@code keys}' only column, in one MERGE. */
  public void deleteWhereIn(Table table, String column, Dataset<Row> keys) {
    Dataset<Row> k = keys.toDF("_k").distinct();
    delta(keys.sparkSession(), table).as("t")
        .merge(k.as("s"), org.apache.spark.sql.functions.expr("t.`" + column + "` = s._k"))
        .whenMatched().delete()
        .execute();
  }

  /** Deletes the rows of {@code table} that match {@code condition}. */
  public void deleteWhere(Table table, org.apache.spark.sql.Column condition, org.apache.spark.sql.SparkSession spark) {
    delta(spark, table).delete(condition);
  }

  private io.delta.tables.DeltaTable delta(org.apache.spark.sql.SparkSession spark, Table table) {
    return io.delta.tables.DeltaTable.forPath(spark, wh.path(table));
  }

  private static org.apache.spark.sql.Column keyMatch(Table table) {
    return org.apache.spark.sql.functions.expr(String.join(" AND ",
        table.key().stream().map(k -> "t.`" + k + "` <=> s.`" + k + "`").toList()));
  }
}
