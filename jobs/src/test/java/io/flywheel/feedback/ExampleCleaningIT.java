package io.flywheel.feedback;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.testing.TestSpark;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ExampleCleaningIT {
  static final StructType SFT = StructType.fromDDL("user_id STRING, event_id STRING, call_id STRING,"
      + " source_event_type STRING, prompt " + FeedbackEvents.MESSAGES_DDL + ", completion STRING, event_time TIMESTAMP");
  static final StructType KTO = SFT.add("label", "boolean");

  static Row sft(String user, String event, int minute, String promptText, String completion) {
    return RowFactory.create(user, event, "c-" + event, "accept",
        List.of(RowFactory.create("system", "Summarize."), RowFactory.create("user", promptText)), completion,
        new Timestamp(Timestamp.valueOf("2026-11-20 10:00:00").getTime() + 60_000L * minute));
  }

  static Dataset<Row> frame(List<Row> rows) {
    return TestSpark.session().createDataFrame(rows, SFT);
  }

  @Test
  void exactDuplicatesKeepTheEarliestRow() {
    Dataset<Row> rows = ExampleCleaning.withExampleId(frame(List.of(
        sft("u2", "e2", 5, "kettle", "Same."), sft("u1", "e1", 1, "kettle", "Same."),
        sft("u3", "e3", 0, "kettle", "Other."), sft("u4", "e4", 0, "lamp", "Same."))), FeedbackDataset.SFT_EXAMPLES);
    assertThat(rows.select("example_id").distinct().count()).isEqualTo(3);
    List<String> kept = ExampleCleaning.withExactDuplicatesDropped(rows).orderBy("event_id").collectAsList().stream()
        .map(r -> r.<String>getAs("event_id")).toList();
    assertThat(kept).containsExactly("e1", "e3", "e4");
  }

  @Test
  void nearDuplicateTargetsCollapseAcrossTheSplitAndTheEarlierStays() {
    String trainUser = user(DatasetSplit.TRAIN);
    String validationUser = user(DatasetSplit.VALIDATION);
    String a = "The kettle boils 1.7 litres in four minutes and switches itself off when the water is ready to pour";
    String b = "The kettle boils 1.7 litres in four minutes and switches itself off when the water is ready to serve";
    String c = "A bright desk lamp with three colour temperatures and a flexible arm for reading at night";
    Dataset<Row> rows = ExampleCleaning.withExampleId(frame(List.of(
        sft(trainUser, "e1", 1, "kettle", a), sft(validationUser, "e2", 2, "kettle again", b),
        sft(validationUser, "e3", 3, "lamp", c))), FeedbackDataset.SFT_EXAMPLES);
    rows = DatasetSplit.withSplit(rows, 0.5, "t");
    assertThat(rows.filter(col("split").equalTo(DatasetSplit.VALIDATION)).count()).isEqualTo(2);
    List<String> kept = ExampleCleaning.withNearDuplicatesCollapsed(rows, ExampleCleaning.nearDuplicateText(FeedbackDataset.SFT_EXAMPLES),
            List.of(), 0.7, 3, 10, 3, 42L)
        .orderBy("event_id").collectAsList().stream().map(r -> r.<String>getAs("event_id")).toList();
    assertThat(kept).containsExactly("e1", "e3");
    // At a threshold above their similarity (17 shared of 19 distinct word 3-shingles: 0.89) both stay.
    assertThat(ExampleCleaning.withNearDuplicatesCollapsed(rows, col("completion"), List.of(), 0.95, 3, 10, 3, 42L).count())
        .isEqualTo(3);
  }

  @Test
  void answersSharingATemplateCollapseToTheEarliestWithCandidatesLinearInTheirNumber() {
    int n = 300;
    String template = "The Norvik kettle boils 1.7 litres in four minutes, switches itself off when the water is ready,"
        + " keeps its handle cool, and comes with a two year warranty for order ";
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(sft("u" + i, String.format("e%03d", i), i, "kettle", template + i));
    }
    rows.add(sft("lamp", "e999", 0, "lamp", "A bright desk lamp with three colour temperatures and a flexible arm for reading"));
    Dataset<Row> df = ExampleCleaning.withExampleId(frame(rows), FeedbackDataset.SFT_EXAMPLES);
    int bands = 10;
    Dataset<Row> pairs = ExampleCleaning.nearDuplicatePairs(df, col("completion"), List.of(), 0.8, 3, bands, 3, 42L);
    // An all-pairs self-join would check n(n-1)/2 = 44,850 pairs; each answer here meets at most the
    // first and the previous answer of each band's bucket.
    assertThat(pairs.count()).isPositive().isLessThanOrEqualTo(2L * bands * n);
    List<String> kept = ExampleCleaning.withNearDuplicatesCollapsed(df, col("completion"), List.of(), 0.8, 3, bands, 3, 42L)
        .orderBy("event_id").collectAsList().stream().map(r -> r.<String>getAs("event_id")).toList();
    assertThat(kept).containsExactly("e000", "e999");
  }

  @Test
  void jaccardOfHashedShingleSetsIsIntersectionOverUnion() {
    org.apache.spark.ml.linalg.Vector a = org.apache.spark.ml.linalg.Vectors.sparse(10, new int[] {1, 3, 5, 7}, new double[] {1, 1, 1, 1});
    org.apache.spark.ml.linalg.Vector b = org.apache.spark.ml.linalg.Vectors.sparse(10, new int[] {3, 5, 7, 9}, new double[] {1, 1, 1, 1});
    assertThat(ExampleCleaning.jaccard(a, b)).isEqualTo(3.0 / 5);
    assertThat(ExampleCleaning.jaccard(a, a)).isEqualTo(1.0);
  }

  @Test
  void aGoodAndABadAnswerNeverCollapse() {
    String text = "The kettle boils 1.7 litres in four minutes and switches itself off";
    Dataset<Row> rows = TestSpark.session().createDataFrame(List.of(
        withLabel(sft("u1", "e1", 1, "kettle", text), true), withLabel(sft("u2", "e2", 2, "kettle", text), false)), KTO);
    rows = ExampleCleaning.withExampleId(rows, FeedbackDataset.KTO_EXAMPLES);
    assertThat(ExampleCleaning.withNearDuplicatesCollapsed(rows, ExampleCleaning.nearDuplicateText(FeedbackDataset.KTO_EXAMPLES),
        ExampleCleaning.nearDuplicateKeys(FeedbackDataset.KTO_EXAMPLES), 0.7, 3, 10, 3, 42L).count()).isEqualTo(2);
  }

  @Test
  void theTokenLimitDropsAndCountsLongExamples() {
    ExampleCleaning.TokenLimited t = ExampleCleaning.limitTokens(frame(List.of(
        sft("u1", "e1", 0, "kettle", "Short."), sft("u2", "e2", 0, "kettle", "x".repeat(400)))),
        FeedbackDataset.SFT_EXAMPLES, 50);
    assertThat(t.kept().select("event_id").first().getString(0)).isEqualTo("e1");
    assertThat(t.kept().select("token_count").first().getLong(0)).isEqualTo(6L);
    assertThat(t.dropped().count()).isEqualTo(1);
    assertThat(t.dropped().select("token_count").first().getLong(0)).isEqualTo(104L);
  }

  @Test
  void theSplitColumnIsTheUsersSideAndNoUserIsOnBoth() {
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rows.add(sft("user-" + (i % 13), "e" + i, i, "p", "answer " + i));
    }
    Dataset<Row> split = DatasetSplit.withSplit(frame(rows), 0.3, "feedback");
    for (Row r : split.select("user_id", "split").collectAsList()) {
      assertThat(r.getString(1)).isEqualTo(DatasetSplit.of(r.getString(0), 0.3, "feedback"));
    }
    assertThat(split.groupBy("user_id").agg(org.apache.spark.sql.functions.countDistinct("split").as("n"))
        .filter(col("n").gt(1)).count()).isZero();
  }

  private static String user(String side) {
    for (int i = 0; ; i++) {
      if (DatasetSplit.of("user-" + i, 0.5, "t").equals(side)) {
        return "user-" + i;
      }
    }
  }

  private static Row withLabel(Row r, boolean label) {
    Object[] v = new Object[r.size() + 1];
    for (int i = 0; i < r.size(); i++) {
      v[i] = r.get(i);
    }
    v[r.size()] = label;
    return RowFactory.create(v);
  }
}
