package io.flywheel.feedback;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeedbackEventsIT {
  static final StructType CALLS = StructType.fromDDL("call_id STRING, job STRING, request STRING, response STRING, status STRING");
  static final int MAX_TOKENS = 100;

  static Dataset<Row> checked;
  static Map<String, String> reasonById = new HashMap<>();
  static long input;

  static String body(String user) {
    return "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Summarize.\"},{\"role\":\"user\",\"content\":\""
        + user + "\"}],\"temperature\":0}";
  }

  static Row ev(String id, int minute, String user, String call, String type, String payload) {
    return RowFactory.create(id, new Timestamp(Timestamp.valueOf("2026-11-20 10:00:00").getTime() + 60_000L * minute),
        user, "s1", call, type, payload);
  }

  static Dataset<Row> calls(SparkSession spark) {
    return spark.createDataFrame(List.of(
        RowFactory.create("c1", "summarize", body("kettle"), "Kettle summary.", "ok"),
        RowFactory.create("c2", "summarize", body("kettle"), "Alt kettle summary.", "ok"),
        RowFactory.create("c3", "summarize", body("lamp"), "Lamp summary.", "ok"),
        RowFactory.create("c4", "summarize", body("chair"), null, "failed"),
        RowFactory.create("c5", "summarize", "not json", "x", "ok"),
        RowFactory.create("c6", "summarize", body("desk"), "long ".repeat(100), "ok"),
        RowFactory.create("c7", "summarize", body("kettle"), "Third kettle summary.", "ok")), CALLS);
  }

  @BeforeAll
  static void run() {
    SparkSession spark = TestSpark.session();
    List<Row> events = new ArrayList<>(List.of(
        ev("e1", 1, "u1", "c1", "accept", null),
        ev("e2", 2, "u1", "c1", "regenerate", "{\"next_call_id\": \"c7\"}"),
        ev("e3", 3, "u1", "c7", "accept", null),
        ev("e4", 1, "u2", "c3", "thumbs_up", null),
        ev("e5", 2, "u3", "c3", "thumbs_down", null),
        ev("e6", 4, "u2", "c1", "accept_edited", "{\"edited_text\": \"Edited kettle summary.\"}"),
        ev("e7", 5, "u4", "c1", "pairwise", "{\"call_ids\": [\"c1\", \"c2\"], \"preferred\": \"c2\"}"),
        ev("e8", 6, "u4", "c1", "pairwise", "{\"call_ids\": [\"c1\", \"c3\"], \"preferred\": \"c1\"}"),
        ev("e9", 7, "u5", "c3", "binary_label", "{\"question\": \"factually_consistent\", \"answer\": \"yes\"}"),
        ev("e9", 9, "u5", "c3", "binary_label", "{\"question\": \"factually_consistent\", \"answer\": \"yes\"}"),
        ev("e11", 8, "u5", "nope", "accept", null),
        ev("e12", 8, "u5", "c4", "accept", null),
        ev("e13", 8, "u5", "c5", "accept", null),
        ev("e14", 8, "u5", "c6", "accept", null),
        ev("e15", 8, "u5", "c3", "accept_edited", "{bad"),
        ev("e16", 8, "u5", "c3", "love_it", null),
        ev("e17", 8, null, "c3", "accept", null),
        ev("e18", 8, "u6", "c1", "pairwise", "{\"call_ids\": [\"c1\", \"nope\"], \"preferred\": \"c1\"}"),
        ev("e19", 8, "u6", "c3", "ignore", null),
        ev("e20", 8, "u7", "c2", "pairwise", "{\"call_ids\": [\"c1\", \"c2\"], \"preferred\": \"tie\"}"),
        ev("e21", 8, "u7", "c3", "pairwise", "{\"call_ids\": [\"c1\", \"c2\"], \"preferred\": \"c1\"}")));
    input = events.size();
    Dataset<Row> ev = spark.createDataFrame(events, FeedbackEvents.SCHEMA);
    checked = FeedbackEvents.withEventChecks(ev, FeedbackEvents.withPromptAndOutput(calls(spark)), MAX_TOKENS).cache();
    for (Row r : checked.filter(col("event_id").notEqual("e9")).select("event_id", "reject_reason").collectAsList()) {
      reasonById.put(r.getString(0), r.getString(1));
    }
  }

  @Test
  void piiIsScrubbedFromPromptsOutputsAndEditsWhereTheyEnter() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> calls = spark.createDataFrame(List.of(RowFactory.create("p1", "summarize",
        body("write to jane.doe@example.com"), "Call +1 415 555 1234 or pay with 4111 1111 1111 1111.", "ok")), CALLS);
    Dataset<Row> events = spark.createDataFrame(List.of(
        ev("p-e1", 1, "u1", "p1", "accept_edited", "{\"edited_text\": \"Mail bob@example.org instead.\"}")),
        FeedbackEvents.SCHEMA);
    Row r = FeedbackEvents.withEventChecks(events, FeedbackEvents.withPromptAndOutput(calls), MAX_TOKENS).first();
    assertThat(r.<String>getAs("reject_reason")).isNull();
    scala.collection.Seq<Row> prompt = r.getAs("prompt");
    assertThat(prompt.apply(1).<String>getAs("content")).isEqualTo("write to [EMAIL]");
    assertThat(prompt.apply(1).<String>getAs("role")).isEqualTo("user");
    assertThat(r.<String>getAs("output")).isEqualTo("Call [PHONE] or pay with [CARD].");
    assertThat(r.<String>getAs("edited_text")).isEqualTo("Mail [EMAIL] instead.");
  }

  @Test
  void everyEventComesOutOnceWithItsReason() {
    assertThat(checked.count()).isEqualTo(input);
    assertThat(reasonById).containsEntry("e11", "unknown_call").containsEntry("e18", "unknown_call")
        .containsEntry("e12", "no_output").containsEntry("e13", "no_output")
        .containsEntry("e14", "over_token_limit").containsEntry("e15", "malformed_payload")
        .containsEntry("e16", "unknown_event_type").containsEntry("e17", "missing_field")
        .containsEntry("e8", "mismatched_prompts").containsEntry("e21", "malformed_payload")
        .containsEntry("e4", "conflicting").containsEntry("e5", "conflicting");
    for (String usable : List.of("e1", "e2", "e3", "e6", "e7", "e19", "e20")) {
      assertThat(reasonById.get(usable)).as(usable).isNull();
    }
    List<String> e9 = checked.filter(col("event_id").equalTo("e9")).orderBy("event_time")
        .select("reject_reason").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toList());
    assertThat(e9).containsExactly(null, "duplicate_event");
  }

  @Test
  void detailsSayWhatIsWrong() {
    Map<String, String> detail = checked.filter(col("reject_reason").isNotNull()).select("event_id", "reject_detail")
        .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1), (a, b) -> a + " / " + b));
    assertThat(detail.get("e11")).isEqualTo("call_id nope is not in llm_calls");
    assertThat(detail.get("e12")).isEqualTo("call status is failed");
    assertThat(detail.get("e13")).startsWith("request is not JSON");
    assertThat(detail.get("e14")).isEqualTo("129 tokens > feedback token limit 100");
    assertThat(detail.get("e15")).startsWith("payload is not JSON");
    assertThat(detail.get("e21")).isEqualTo("call_id c3 is not one of payload.call_ids");
    assertThat(detail.get("e17")).isEqualTo("user_id is null or blank");
    assertThat(detail.get("e4")).isEqualTo("users disagree about output:c3");
  }

  @Test
  void theLatestStrongSignalOfAUserIsTheEffectiveOne() {
    Map<String, String> precedence = checked.filter(col("reject_reason").isNull()).select("event_id", "precedence")
        .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
    assertThat(precedence).containsEntry("e1", "superseded").containsEntry("e2", "effective")
        .containsEntry("e3", "effective").containsEntry("e6", "effective").containsEntry("e19", "effective");
  }

  @Test
  void sftTakesAcceptedOutputsAndEdits() {
    List<String> rows = FeedbackMapping.sftExamples(checked).orderBy("event_id").collectAsList().stream()
        .map(r -> r.<String>getAs("event_id") + ":" + r.getAs("completion")).toList();
    assertThat(rows).containsExactly("e3:Third kettle summary.", "e6:Edited kettle summary.");
    Row e3 = FeedbackMapping.sftExamples(checked).filter(col("event_id").equalTo("e3")).first();
    assertThat(e3.<scala.collection.Seq<Row>>getAs("prompt").apply(1).<String>getAs("content")).isEqualTo("kettle");
  }

  @Test
  void preferencePairsComeFromEditsRegeneratesAndPairwiseWinners() {
    List<String> rows = FeedbackMapping.preferencePairs(checked).orderBy("event_id").collectAsList().stream()
        .map(r -> r.<String>getAs("event_id") + ":" + r.getAs("chosen") + ">" + r.getAs("rejected")).toList();
    assertThat(rows).containsExactly(
        "e2:Third kettle summary.>Kettle summary.",
        "e6:Edited kettle summary.>Kettle summary.",
        "e7:Alt kettle summary.>Kettle summary.");
  }

  @Test
  void ktoLabelsFollowTheSignal() {
    List<String> rows = FeedbackMapping.ktoExamples(checked).orderBy("event_id", "label").collectAsList().stream()
        .map(r -> r.<String>getAs("event_id") + ":" + r.getAs("completion") + "=" + r.getAs("label")).toList();
    assertThat(rows).containsExactly(
        "e2:Kettle summary.=false", "e3:Third kettle summary.=true",
        "e6:Kettle summary.=false", "e6:Edited kettle summary.=true");
  }

  @Test
  void cleanedRowsExportInEveryFormatAndAgainByteForByte(@TempDir Path dir) throws Exception {
    for (ExportFormat f : ExportFormat.values()) {
      // KTO holds the same (prompt, output, false) twice: e2 regenerated c1, e6 edited it. Files need one row per id.
      Dataset<Row> rows = ExampleCleaning.withExactDuplicatesDropped(ExampleCleaning.withExampleId(
          FeedbackMapping.rows(f.source(), checked), f.source())).cache();
      List<TrainingExample> examples = rows.orderBy("example_id").collectAsList().stream()
          .map(r -> ExampleRows.toExample(f, r)).toList();
      JsonlExport.Result first = JsonlExport.write(dir.resolve("a-" + f.code() + ".jsonl"), f, examples.iterator(), MAX_TOKENS);
      JsonlExport.Result again = JsonlExport.write(dir.resolve("b-" + f.code() + ".jsonl"), f,
          rows.orderBy("example_id").toLocalIterator(), MAX_TOKENS, r -> ExampleRows.toExample(f, r));
      assertThat(first.refused()).as(f.code()).isEmpty();
      assertThat(first.rows()).as(f.code()).isEqualTo(rows.count()).isPositive();
      if (f == ExportFormat.TRL_KTO) {
        assertThat(first.rows()).isEqualTo(3);
        assertThat(first.rowsBySourceEventType()).isEqualTo(java.util.Map.of("regenerate", 1L, "accept", 1L, "accept_edited", 1L));
      }
      assertThat(Files.readAllLines(first.file())).hasSize((int) first.rows());
      assertThat(again.sha256()).isEqualTo(first.sha256());
    }
  }

  @Test
  void binaryLabelsKeepTheQuestionAndAnswer() {
    List<Row> rows = FeedbackMapping.binaryLabels(checked).collectAsList();
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).<String>getAs("question")).isEqualTo("factually_consistent");
    assertThat(rows.get(0).<Boolean>getAs("answer")).isTrue();
    assertThat(rows.get(0).<String>getAs("completion")).isEqualTo("Lamp summary.");
  }
}
