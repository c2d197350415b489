package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.testing.TestSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The recommendations job's DataFrame steps on tiny hand-made frames. */
class RecommendTransformsIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private final SparkSession spark = TestSpark.session();

  private Dataset<Row> purchases(Object[]... rows) {
    return spark.createDataFrame(java.util.Arrays.stream(rows).map(RowFactory::create).toList(),
        StructType.fromDDL("user_id STRING, item_id STRING, purchased_at TIMESTAMP"));
  }

  @Test
  void purchaseChecksGiveEachUnusableRowItsReason() {
    Dataset<Row> p = purchases(
        new Object[] {"u1", "i1", Timestamp.valueOf("2026-11-01 10:00:00")},
        new Object[] {" ", "i1", Timestamp.valueOf("2026-11-01 10:00:00")},
        new Object[] {"u1", null, Timestamp.valueOf("2026-11-01 10:00:00")},
        new Object[] {"u1", "nope", Timestamp.valueOf("2026-11-01 10:00:00")},
        new Object[] {"u1", "i2", Timestamp.valueOf("2026-11-29 00:00:00")});
    Dataset<Row> ids = spark.createDataFrame(List.of(RowFactory.create("i1"), RowFactory.create("i2")),
        StructType.fromDDL("item_id STRING"));
    List<String> reasons = RecommendJob.withPurchaseChecks(p, ids, DAY).collectAsList().stream()
        .map(r -> String.valueOf(r.<String>getAs("reason"))).sorted().toList();
    assertThat(reasons).containsExactly("future_purchase", "null", "null_item", "null_user", "unknown_item");
  }

  @Test
  void historiesAreDistinctItemsMostRecentFirstAndWorkSkipsUsersDoneForTheDate() {
    Dataset<Row> p = purchases(
        new Object[] {"u1", "a", Timestamp.valueOf("2026-11-01 10:00:00")},
        new Object[] {"u1", "b", Timestamp.valueOf("2026-11-03 10:00:00")},
        new Object[] {"u2", "c", Timestamp.valueOf("2026-11-02 10:00:00")},
        new Object[] {"u3", "d", Timestamp.valueOf("2026-11-02 10:00:00")});
    Dataset<Row> histories = RecommendJob.withHistories(p);
    Map<String, List<String>> byUser = new TreeMap<>();
    for (Row r : histories.collectAsList()) {
      byUser.put(r.getAs("user_id"), r.getList(r.fieldIndex("history")));
    }
    assertThat(byUser).containsExactly(Map.entry("u1", List.of("b", "a")), Map.entry("u2", List.of("c")),
        Map.entry("u3", List.of("d")));

    Dataset<Row> done = spark.createDataFrame(List.of(RowFactory.create("u2")), StructType.fromDDL("user_id STRING"));
    Dataset<Row> recent = spark.createDataFrame(List.of(RowFactory.create("u3", scala.jdk.javaapi.CollectionConverters
        .asScala(List.of("x")).toList())), StructType.fromDDL("r_user_id STRING, recent ARRAY<STRING>"));
    Map<String, String> work = new TreeMap<>();
    for (Row r : RecommendJob.withWork(histories, done, recent, DAY, 0.0).collectAsList()) {
      work.put(r.getAs("user_id"), r.isNullAt(r.fieldIndex("recent")) ? "no recent" : r.getList(r.fieldIndex("recent")).toString());
      assertThat(r.<Boolean>getAs("is_probe")).as("probe share 0").isFalse();
    }
    assertThat(work).containsExactly(Map.entry("u1", "no recent"), Map.entry("u3", "[x]"));
    assertThat(RecommendJob.withWork(histories, done, recent, DAY, 1.0).where("is_probe").count()).isEqualTo(2);
  }

  @Test
  void listRowsComeOnlyFromUsersWhoseStatusIsOk() {
    StructType users = StructType.fromDDL("user_id STRING, status STRING, phrasing INT, run_id STRING,"
        + " items ARRAY<STRUCT<rank: INT, item_id: STRING, title: STRING, score: DOUBLE, attempt: INT, seed: BIGINT,"
        + " history_order: ARRAY<STRING>>>");
    Row item = RowFactory.create(1, "i1", "T", 0.5, 1, 7L, scala.jdk.javaapi.CollectionConverters.asScala(List.of("h")).toList());
    Dataset<Row> rows = spark.createDataFrame(List.of(
        RowFactory.create("ok-user", "ok", 0, "r1", scala.jdk.javaapi.CollectionConverters.asScala(List.of(item)).toList()),
        RowFactory.create("failed-user", "failed", 0, "r1", scala.jdk.javaapi.CollectionConverters.asScala(List.<Row>of()).toList())),
        users);
    List<Row> out = RecommendJob.withListRows(rows, DAY).collectAsList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).<String>getAs("user_id")).isEqualTo("ok-user");
    assertThat(out.get(0).<String>getAs("item_id")).isEqualTo("i1");
    assertThat(out.get(0).<Date>getAs("run_date")).isEqualTo(Date.valueOf(DAY));
  }
}
