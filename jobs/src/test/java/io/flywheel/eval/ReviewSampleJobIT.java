package io.flywheel.eval;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.job.JobRunner;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * review-sample end to end on a day of calls with known strata: the draw (quotas, every rejection up
 * to the cap, the same calls on a rerun), the page, and answers recorded once and sent once to the
 * feedback events as binary_label events the feedback job can read.
 */
class ReviewSampleJobIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private final SparkSession spark = TestSpark.session();

  /** 200 summarize ok, 10 summarize guardrail_rejected, 30 recommend ok, 5 summarize failed on DAY; 50 ok the day before. */
  private void writeCalls(Path dir) {
    List<Row> rows = new ArrayList<>();
    add(rows, "summarize", "ok", 200, DAY);
    add(rows, "summarize", "guardrail_rejected", 10, DAY);
    add(rows, "recommend", "ok", 30, DAY);
    add(rows, "summarize", "failed", 5, DAY);
    add(rows, "summarize", "ok", 50, DAY.minusDays(1));
    spark.createDataFrame(rows, Table.LLM_CALLS.schema()).write().format("delta").partitionBy("job", "call_date")
        .save(dir.resolve("warehouse").resolve(Table.LLM_CALLS.tableName()).toString());
  }

  private static void add(List<Row> rows, String job, String status, int n, LocalDate day) {
    for (int i = 0; i < n; i++) {
      String id = job + "-" + status + "-" + day + "-" + i;
      String request = "{\"endpoint\":\"local\",\"body\":{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},"
          + "{\"role\":\"user\",\"content\":\"<catalog_item>{\\\"title\\\":\\\"Item " + i + "\\\"}</catalog_item>\"}]}}";
      boolean answered = !status.equals("failed");
      rows.add(RowFactory.create(id, "run-" + day, job, Date.valueOf(day), "item-" + i, 1, "ck-" + id, "rk-" + id, "local",
          "m", "m", "catalog_summary", 1, request, answered ? "{\"summary\":\"Item " + i + ".\",\"key_features\":[]}" : null,
          status, status.equals("ok") ? null : status.equals("failed") ? "http_500" : "guardrail:grounded", null, "stop", 1,
          10, 10, 5L, 0.0, Timestamp.valueOf(day.atStartOfDay()), Date.valueOf(day)));
    }
  }

  private RunContext context(Path dir, String... sets) {
    List<String> all = new ArrayList<>(List.of("eval.review.sample_size=20", "eval.review.min_per_stratum=2",
        "eval.review.rejections_cap=8", "feedback.events_path=" + dir.resolve("feedback_events")));
    all.addAll(List.of(sets));
    return TestSpark.context("review-sample", dir, DAY, false, all);
  }

  private Dataset<Row> queue(Path dir) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(Table.REVIEW_QUEUE.tableName()).toString());
  }

  @Test
  void theDayIsDrawnByStratumWithEveryRejectionUpToTheCapTheSameOnARerunAndShownOnOnePage(@TempDir Path dir) throws IOException {
    writeCalls(dir);
    RunLog log = JobRunner.run(new ReviewSampleJob(), context(dir));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(log.get("calls_of_day")).isEqualTo(245);
    Map<String, Integer> expected = new HashMap<>(ReviewSample.quotas(
        new TreeMap<>(Map.of("summarize/ok", 200L, "recommend/ok", 30L, "summarize/failed", 5L)), 20, 2));
    expected.put("summarize/guardrail_rejected", 8);
    Map<String, Long> drawn = new TreeMap<>();
    for (Map<String, Object> r : TestSpark.rows(queue(dir).where(col("question").equalTo("useful")).groupBy("stratum").count())) {
      drawn.put((String) r.get("stratum"), (Long) r.get("count"));
    }
    assertThat(drawn).containsExactlyInAnyOrderEntriesOf(Map.of("summarize/ok", 14L, "recommend/ok", 4L,
        "summarize/failed", 2L, "summarize/guardrail_rejected", 8L));
    expected.forEach((k, v) -> assertThat(drawn.get(k)).as(k).isEqualTo((long) v));
    // Two questions per drawn call, only the day's calls, inputs taken out of the logged request.
    assertThat(queue(dir).count()).isEqualTo(2 * 28);
    assertThat(queue(dir).where(col("call_id").contains(DAY.minusDays(1).toString())).count()).isZero();
    assertThat(queue(dir).where(col("input").startsWith("{\"title\":\"Item ")).count()).isEqualTo(2 * 28);
    assertThat(queue(dir).where(col("reason").equalTo("guardrail_rejection")).select("status").distinct().collectAsList())
        .singleElement().satisfies(r -> assertThat(r.getString(0)).isEqualTo("guardrail_rejected"));

    List<Row> first = queue(dir).select("call_id", "question").orderBy("call_id", "question").collectAsList();
    JobRunner.run(new ReviewSampleJob(), context(dir));
    assertThat(queue(dir).select("call_id", "question").orderBy("call_id", "question").collectAsList()).isEqualTo(first);

    String page = Files.readString(dir.resolve("warehouse/reports/review/review-" + DAY + ".html"));
    for (Row r : first) {
      assertThat(page).contains(r.getString(0));
    }
    assertThat(page).contains("Would this output help the user?").doesNotContain("https://").doesNotContain("http://");
  }

  @Test
  void answersAreRecordedOnceSentOnceAsBinaryLabelEventsAndBecomeBinaryLabelExamples(@TempDir Path dir) throws IOException {
    writeCalls(dir);
    JobRunner.run(new ReviewSampleJob(), context(dir));
    List<Row> drawn = queue(dir).where(col("question").equalTo("useful")).orderBy("call_id").limit(2).collectAsList();
    String a = drawn.get(0).getAs("call_id");
    String b = drawn.get(1).getAs("call_id");
    Path answers = dir.resolve("answers.json");
    Files.writeString(answers, "[" + answer(a, "useful", true) + "," + answer(a, "factually_consistent", false) + ","
        + answer(b, "useful", true) + "," + answer("no-such-call", "useful", true) + "]");

    RunLog log = JobRunner.run(new ReviewSampleJob(), context(dir, "eval.review.answers=" + answers, "eval.review.reviewer=ana"));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(log.get("answers_recorded")).isEqualTo(3);
    assertThat(log.get("answers_unknown")).isEqualTo(1);
    assertThat(log.get("answers_sent_to_feedback")).isEqualTo(3);
    Map<String, Object> recorded = TestSpark.rows(queue(dir).where(col("call_id").equalTo(a).and(col("question").equalTo("factually_consistent")))).get(0);
    assertThat(recorded.get("answer")).isEqualTo(false);
    assertThat(recorded.get("reviewer")).isEqualTo("ana");
    assertThat((String) recorded.get("event_id")).startsWith("review-");

    Dataset<Row> events = spark.read().format("delta").load(dir.resolve("feedback_events").toString());
    assertThat(events.columns()).containsExactly(io.flywheel.feedback.FeedbackEvents.SCHEMA.fieldNames());
    List<Map<String, Object>> rows = TestSpark.rows(events.orderBy("call_id", "payload"));
    assertThat(rows).hasSize(3).allSatisfy(e -> {
      assertThat(e.get("event_type")).isEqualTo("binary_label");
      assertThat(e.get("user_id")).isEqualTo("ana");
    });
    assertThat(rows).extracting(e -> e.get("payload")).contains("{\"question\":\"factually_consistent\",\"answer\":false}");

    // The feedback job turns them into binary_labels examples (its window ends after the run date:
    // a date after today's takes the answers given now).
    io.flywheel.run.RunContext fb = TestSpark.context("feedback", dir, LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1), false,
        List.of("feedback.events_path=" + dir.resolve("feedback_events")));
    assertThat(JobRunner.run(new io.flywheel.feedback.FeedbackJob(), fb).status()).isEqualTo("succeeded");
    List<Map<String, Object>> labels = TestSpark.rows(spark.read().format("delta")
        .load(dir.resolve("warehouse").resolve(Table.BINARY_LABELS.tableName()).toString())
        .select("call_id", "question", "answer").orderBy("call_id", "question"));
    assertThat(labels).containsExactlyInAnyOrder(
        Map.of("call_id", a, "question", "factually_consistent", "answer", false),
        Map.of("call_id", a, "question", "useful", "answer", true),
        Map.of("call_id", b, "question", "useful", "answer", true));

    // The same file again (a rerun): the answers are where they belong; the run succeeds, records nothing.
    RunLog rerun = JobRunner.run(new ReviewSampleJob(), context(dir, "eval.review.answers=" + answers, "eval.review.reviewer=ana"));
    assertThat(rerun.status()).isEqualTo("succeeded");
    assertThat(rerun.get("answers_unchanged")).isEqualTo(3);
    assertThat(rerun.get("answers_recorded")).isZero();
    assertThat(rerun.get("answers_already_answered")).isZero();
    assertThat(rerun.get("answers_sent_to_feedback")).isZero();

    // Another reviewer's different answer: nothing recorded twice, no new event.
    Files.writeString(answers, "[" + answer(a, "useful", false) + "]");
    RunLog again = JobRunner.run(new ReviewSampleJob(), context(dir, "eval.review.answers=" + answers, "eval.review.reviewer=bo"));
    assertThat(again.get("answers_already_answered")).isEqualTo(1);
    assertThat(again.status()).as("all of the file's answers could not be recorded").isEqualTo("failed");
    assertThat(spark.read().format("delta").load(dir.resolve("feedback_events").toString()).count()).isEqualTo(3);
    assertThat(TestSpark.rows(queue(dir).where(col("call_id").equalTo(a).and(col("question").equalTo("useful")))).get(0).get("reviewer"))
        .isEqualTo("ana");
  }

  private static String answer(String call, String question, boolean yes) {
    return "{\"run_date\":\"" + DAY + "\",\"call_id\":\"" + call + "\",\"question\":\"" + question + "\",\"answer\":" + yes + "}";
  }
}
