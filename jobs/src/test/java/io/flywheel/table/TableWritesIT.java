package io.flywheel.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.testing.TestSpark;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TableWrites#replaceRunDate} on a real Delta table: it replaces a run date's rows, and writes
 * nothing (no new version) when the date already holds the same content but for the run identity.
 */
class TableWritesIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 27);
  private final SparkSession spark = TestSpark.session();

  @TempDir Path dir;

  @Test
  void aRerunWithTheSameContentWritesNothingAndNewContentReplacesTheDate() {
    Warehouse wh = new Warehouse(spark, dir.resolve("warehouse").toString(), null);
    wh.ensure(Table.RECOMMEND_REJECTS);
    long created = version(wh);

    assertThat(new TableWrites(wh, "recommend", "run-1").replaceRunDate(rejects("run-1", "a", "b", "b"),
        Table.RECOMMEND_REJECTS, DAY)).isTrue();
    assertThat(new TableWrites(wh, "recommend", "run-0").replaceRunDate(rejects(DAY.minusDays(1), "run-0", "z"),
        Table.RECOMMEND_REJECTS, DAY.minusDays(1))).isTrue();
    long written = version(wh);
    assertThat(written).isEqualTo(created + 2);

    // The same rows in another order, under another run id: nothing written, the first run's rows stay.
    assertThat(new TableWrites(wh, "recommend", "run-2").replaceRunDate(rejects("run-2", "b", "a", "b"),
        Table.RECOMMEND_REJECTS, DAY)).isFalse();
    assertThat(version(wh)).isEqualTo(written);
    assertThat(runIds(wh, DAY)).containsExactly("run-1");

    // A duplicate fewer is other content (rows are compared as a multiset): the date is replaced.
    assertThat(new TableWrites(wh, "recommend", "run-3").replaceRunDate(rejects("run-3", "a", "b"),
        Table.RECOMMEND_REJECTS, DAY)).isTrue();
    assertThat(version(wh)).isEqualTo(written + 1);
    assertThat(runIds(wh, DAY)).containsExactly("run-3");
    assertThat(wh.read(Table.RECOMMEND_REJECTS).where("run_date = DATE'" + DAY + "'").count()).isEqualTo(2);

    // No rows where there are some empties the date; the other date is left alone.
    assertThat(new TableWrites(wh, "recommend", "run-4").replaceRunDate(rejects("run-4"),
        Table.RECOMMEND_REJECTS, DAY)).isTrue();
    assertThat(wh.read(Table.RECOMMEND_REJECTS).count()).isEqualTo(1);
    assertThat(new TableWrites(wh, "recommend", "run-5").replaceRunDate(rejects("run-5"),
        Table.RECOMMEND_REJECTS, DAY)).as("an empty date stays empty without a write").isFalse();
  }

  @Test
  void onlyTheRowsOfTheScopeAreComparedAndReplaced() {
    Warehouse wh = new Warehouse(spark, dir.resolve("scoped").toString(), null);
    wh.ensure(Table.RECOMMEND_REJECTS);
    TableWrites writes = new TableWrites(wh, "recommend", "run-1");
    writes.replaceRunDate(rejects("run-1", "a"), Table.RECOMMEND_REJECTS, DAY, Map.of("user_id", "u-a"));
    writes.replaceRunDate(rejects("run-1", "b"), Table.RECOMMEND_REJECTS, DAY, Map.of("user_id", "u-b"));
    long written = version(wh);

    assertThat(new TableWrites(wh, "recommend", "run-2").replaceRunDate(rejects("run-2", "a"),
        Table.RECOMMEND_REJECTS, DAY, Map.of("user_id", "u-a"))).isFalse();
    assertThat(version(wh)).isEqualTo(written);
    assertThat(wh.read(Table.RECOMMEND_REJECTS).count()).isEqualTo(2);
  }

  /** recommend_rejects rows of {@link #DAY} for users {@code u-<id>}, one per id. */
  private Dataset<Row> rejects(String runId, String... ids) {
    return rejects(DAY, runId, ids);
  }

  private Dataset<Row> rejects(LocalDate day, String runId, String... ids) {
    List<Row> rows = java.util.Arrays.stream(ids).map(id -> RowFactory.create(Date.valueOf(day), runId, "u-" + id,
        "item-" + id, "not_in_catalog", "{\"id\":\"" + id + "\"}", "model")).toList();
    return spark.createDataFrame(rows, Table.RECOMMEND_REJECTS.schema());
  }

  private long version(Warehouse wh) {
    return spark.sql("DESCRIBE HISTORY delta.`" + wh.path(Table.RECOMMEND_REJECTS) + "`").selectExpr("max(version)")
        .first().getLong(0);
  }

  private List<String> runIds(Warehouse wh, LocalDate day) {
    return wh.read(Table.RECOMMEND_REJECTS).where("run_date = DATE'" + day + "'").select("run_id").distinct()
        .collectAsList().stream().map(r -> r.getString(0)).toList();
  }
}
