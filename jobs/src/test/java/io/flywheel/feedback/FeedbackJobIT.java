package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.generate.FeedbackGenerator;
import io.flywheel.job.JobRunner;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.FeedbackFixture;
import io.flywheel.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feedback job, export-dataset and forget-user end to end on generated events over logged calls
 * (issue 11's required behaviour), on one warehouse whose story the tests tell in order: the first
 * run, late events and changed minds, a rerun, exports, forgetting a user.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FeedbackJobIT {
  static final LocalDate DAY1 = LocalDate.of(2027, 3, 1);
  static final LocalDate DAY2 = DAY1.plusDays(1);
  static final int CALLS = 100;
  static final int MAX_TOKENS = 1000;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static SparkSession spark;
  static String eventsPath;
  static List<Row> generated;
  static RunLog first;

  static RunContext ctx(String job, LocalDate day, String... extra) {
    List<String> sets = new ArrayList<>(List.of("feedback.events_path=" + eventsPath, "feedback.validation_fraction=0.3",
        "feedback.max_tokens=" + MAX_TOKENS));
    sets.addAll(List.of(extra));
    return TestSpark.context(job, dir, day, false, sets);
  }

  static Dataset<Row> table(Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  static long version(Table t) {
    return io.delta.tables.DeltaTable.forPath(spark, dir.resolve("warehouse").resolve(t.tableName()).toString())
        .history(1).select("version").first().getLong(0);
  }

  static RunLog feedback(LocalDate day, String... extra) {
    return JobRunner.run(new FeedbackJob(), ctx("feedback", day, extra));
  }

  static void appendEvents(List<Row> rows) {
    spark.createDataFrame(rows, FeedbackEvents.SCHEMA).write().format("delta").mode("append").save(eventsPath);
  }

  static Row event(String id, Timestamp at, String user, String call, String type) {
    return RowFactory.create(id, at, user, "S-test", call, type, null);
  }

  /** The calls whose answers are near-identical: an accept there may be collapsed into another. */
  static Object[] nearCalls() {
    List<String> out = new ArrayList<>();
    for (int i = FeedbackFixture.NEAR_FROM; i < FeedbackFixture.NEAR_FROM + FeedbackFixture.NEAR_COUNT; i++) {
      out.add(FeedbackFixture.callId(i));
    }
    return out.toArray();
  }

  static boolean isLate(Row r) {
    return FeedbackGenerator.Plant.LATE.code().equals(r.getAs("planted"));
  }

  @BeforeAll
  static void firstRun() {
    spark = TestSpark.session();
    eventsPath = dir.resolve("input").resolve("feedback_events").toString();
    FeedbackFixture.writeCalls(spark, dir.resolve("warehouse").toString(), CALLS);
    generated = FeedbackGenerator.generate(table(Table.LLM_CALLS), 7L).collectAsList();
    // The late plant has not arrived yet at the first run.
    List<Row> onTime = generated.stream().filter(r -> !isLate(r))
        .map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6))).toList();
    spark.createDataFrame(onTime, FeedbackEvents.SCHEMA).write().format("delta").save(eventsPath);
    first = feedback(DAY1);
  }

  @Test
  @Order(1)
  void everyPlantedMessyEventLandsInFeedbackRejectsWithItsReasonAndReadIsUsedPlusRejected() {
    Map<String, Set<String>> reasons = new HashMap<>();
    for (Row r : table(Table.FEEDBACK_REJECTS).filter(col("dataset").isNull()).select("event_id", "reason").collectAsList()) {
      reasons.computeIfAbsent(r.getString(0), k -> new HashSet<>()).add(r.getString(1));
    }
    Map<String, Long> checkedPerPlant = new TreeMap<>();
    for (Row r : generated) {
      String planted = r.getAs("planted");
      FeedbackGenerator.Plant plant = planted == null ? null
          : java.util.Arrays.stream(FeedbackGenerator.Plant.values()).filter(p -> p.code().equals(planted)).findFirst().orElseThrow();
      // The fixture's one over-long answer is rejected for its length before any conflict is looked at.
      if (plant == null || plant.expectedReason() == null || FeedbackFixture.callId(FeedbackFixture.LONG_CALL).equals(r.getAs("call_id"))) {
        continue;
      }
      assertThat(reasons.get(r.<String>getAs("event_id"))).as(planted + " " + r.getAs("event_id")).contains(plant.expectedReason());
      checkedPerPlant.merge(planted, 1L, Long::sum);
    }
    assertThat(checkedPerPlant).containsOnlyKeys("unknown_call", "duplicate_event", "malformed_payload", "conflicting");

    long onTime = generated.stream().filter(r -> !isLate(r)).count();
    assertThat(first.status()).isEqualTo("succeeded");
    assertThat(first.get("events_read")).isEqualTo(onTime);
    assertThat(first.get("events_used") + first.get("events_rejected")).isEqualTo(first.get("events_read"));
    assertThat(first.get("events_rejected")).isPositive();
    Dataset<Row> ledger = table(Table.FEEDBACK_CONSUMED);
    assertThat(ledger.count()).isEqualTo(onTime);
    assertThat(ledger.filter(col("outcome").equalTo("rejected")).count()).isEqualTo(first.get("events_rejected"));
    assertThat(table(Table.FEEDBACK_REJECTS).filter(col("dataset").isNull()).select("event_key").distinct().count())
        .isEqualTo(first.get("events_rejected"));
    // The superseded plant: the user's accept gave way to their regenerate 30 s later.
    Map<String, String> outcomeOfSuperseded = ledger.join(spark.createDataFrame(generated, FeedbackGenerator.SCHEMA)
            .filter(col("planted").equalTo("superseded")).select("event_id"), "event_id")
        .filter(col("call_id").notEqual(FeedbackFixture.callId(FeedbackFixture.LONG_CALL)))
        .select("event_type", "outcome").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1), (a, b) -> a.equals(b) ? a : a + "," + b));
    assertThat(outcomeOfSuperseded).containsEntry("accept", "superseded").containsEntry("regenerate", "effective");
  }

  @Test
  @Order(2)
  void nearDuplicateTargetsCollapseAndPiiIsScrubbed() {
    long accepts = table(Table.FEEDBACK_CONSUMED).filter(col("outcome").equalTo("effective")
        .and(col("event_type").equalTo("accept")).and(col("call_id").isin(nearCalls()))).count();
    assertThat(accepts).as("accepted near-identical answers").isGreaterThan(1);
    assertThat(table(Table.SFT_EXAMPLES).filter(col("completion").startsWith(FeedbackFixture.NEAR_TEXT)).count()).isEqualTo(1);
    assertThat(first.get("sft_examples_near_duplicates")).isPositive();
    for (Row r : table(Table.KTO_EXAMPLES).filter(col("completion").startsWith(FeedbackFixture.NEAR_TEXT))
        .groupBy("label").count().collectAsList()) {
      assertThat(r.getLong(1)).as("kto label " + r.get(0)).isEqualTo(1);
    }

    List<String> texts = new ArrayList<>();
    for (Table t : List.of(Table.SFT_EXAMPLES, Table.KTO_EXAMPLES, Table.BINARY_LABELS)) {
      for (Row r : table(t).select(col("completion"), to_json(col("prompt"))).collectAsList()) {
        texts.add(r.getString(0) + " " + r.getString(1));
      }
    }
    for (Row r : table(Table.PREFERENCE_PAIRS).select(col("chosen"), col("rejected")).collectAsList()) {
      texts.add(r.getString(0) + " " + r.getString(1));
    }
    assertThat(texts).noneMatch(t -> t.contains(FeedbackFixture.EMAIL));
    assertThat(texts).anyMatch(t -> t.contains("[EMAIL]"));
  }

  @Test
  @Order(3)
  void aLateEventIsPickedUpByTheNextRunExactlyOnceAndChangedMindsReplaceEarlierRows() {
    List<Row> late = generated.stream().filter(FeedbackJobIT::isLate)
        .map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6))).toList();
    assertThat(late).isNotEmpty();
    // Two accepts of the first run that stand alone on their output and gave an SFT row.
    Dataset<Row> ledger = table(Table.FEEDBACK_CONSUMED);
    Dataset<Row> alone = ledger.groupBy("subject_key").count().filter(col("count").equalTo(1)).select("subject_key");
    List<Row> accepts = ledger.filter(col("outcome").equalTo("effective").and(col("event_type").equalTo("accept"))
            .and(not(col("call_id").isin(nearCalls()))))
        .join(alone, "subject_key")
        .join(table(Table.SFT_EXAMPLES).select("event_id"), "event_id")
        .select("event_id", "event_time", "user_id", "call_id").orderBy("event_id").limit(2).collectAsList();
    assertThat(accepts).hasSize(2);
    Row changed = accepts.get(0);
    Row contradicted = accepts.get(1);
    List<Row> arrivals = new ArrayList<>(late);
    arrivals.add(event("EV-changed-mind", new Timestamp(changed.getTimestamp(1).getTime() + 3_600_000L), changed.getString(2),
        changed.getString(3), "regenerate"));
    arrivals.add(event("EV-contradiction", new Timestamp(contradicted.getTimestamp(1).getTime() + 3_600_000L), "FU-contrarian",
        contradicted.getString(3), "reject"));
    appendEvents(arrivals);

    RunLog second = feedback(DAY2);

    assertThat(second.get("events_read")).isEqualTo(arrivals.size());
    assertThat(second.get("events_used") + second.get("events_rejected")).isEqualTo(second.get("events_read"));
    assertThat(second.get("events_rechecked")).isGreaterThanOrEqualTo(2);
    List<String> lateIds = late.stream().map(r -> r.getString(0)).toList();
    Map<String, Long> seen = table(Table.FEEDBACK_CONSUMED).filter(col("event_id").isin(lateIds.toArray()))
        .groupBy("event_id").count().collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(seen).hasSize(lateIds.size()).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    Set<String> near = new HashSet<>(java.util.Arrays.stream(nearCalls()).map(String::valueOf).toList());
    for (Row r : late) {
      String call = r.getString(4);
      if (call.equals(FeedbackFixture.callId(FeedbackFixture.LONG_CALL))) {
        continue;
      }
      assertThat(table(Table.FEEDBACK_CONSUMED).filter(col("event_id").equalTo(r.getString(0))).select("outcome").first()
          .getString(0)).as("late " + r.getString(0)).isEqualTo("effective");
      if (!near.contains(call)) {
        assertThat(table(Table.SFT_EXAMPLES).filter(col("event_id").equalTo(r.getString(0))).count())
            .as("SFT row of late accept " + r.getString(0)).isEqualTo(1);
      }
    }

    Map<String, String> outcome = table(Table.FEEDBACK_CONSUMED)
        .filter(col("event_id").isin(changed.getString(0), contradicted.getString(0), "EV-changed-mind", "EV-contradiction"))
        .select("event_id", "outcome").collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
    assertThat(outcome).containsEntry(changed.getString(0), "superseded").containsEntry("EV-changed-mind", "effective")
        .containsEntry(contradicted.getString(0), "rejected").containsEntry("EV-contradiction", "rejected");
    for (Table t : List.of(Table.SFT_EXAMPLES, Table.KTO_EXAMPLES)) {
      assertThat(table(t).filter(col("event_id").isin(changed.getString(0), contradicted.getString(0))).count())
          .as(t.tableName() + " rows of the superseded and the contradicted accepts").isZero();
    }
    assertThat(table(Table.KTO_EXAMPLES).filter(col("event_id").equalTo("EV-changed-mind")).select("label").first().getBoolean(0))
        .isFalse();
    assertThat(table(Table.FEEDBACK_REJECTS).filter(col("event_id").equalTo(contradicted.getString(0))).select("reason")
        .collectAsList()).extracting(r -> r.getString(0)).containsExactly("conflicting");
    for (Table t : List.of(Table.SFT_EXAMPLES, Table.PREFERENCE_PAIRS, Table.KTO_EXAMPLES, Table.BINARY_LABELS)) {
      assertThat(table(t).select("example_id").distinct().count()).as(t.tableName() + " ids unique").isEqualTo(table(t).count());
    }
  }

  /**
   * A conflict spans runs: a third user's signal on the output two users disagreed about in the last
   * run is decided with theirs, so it is conflicting too, not effective on its own.
   */
  @Test
  @Order(4)
  void aNewSignalOnAnOutputInConflictIsDecidedWithTheConflictingOnes() {
    Row contradiction = table(Table.FEEDBACK_CONSUMED).filter(col("event_id").equalTo("EV-contradiction"))
        .select("event_time", "call_id", "outcome", "reason").first();
    assertThat(contradiction.getString(2) + "/" + contradiction.getString(3)).isEqualTo("rejected/conflicting");
    appendEvents(List.of(event("EV-third-opinion", new Timestamp(contradiction.getTimestamp(0).getTime() + 60_000L),
        "FU-third", contradiction.getString(1), "thumbs_up")));

    // Its one event is rejected: over any failure ratio but 1, and the run would end failed (after committing).
    RunLog third = feedback(DAY2, "feedback.max_failure_ratio=1");

    assertThat(third.status()).isEqualTo("succeeded");
    assertThat(third.get("events_read")).isEqualTo(1);
    assertThat(third.get("events_rechecked")).isGreaterThanOrEqualTo(2);
    assertThat(third.get("rejected_conflicting")).isEqualTo(1);
    assertThat(table(Table.FEEDBACK_CONSUMED).filter(col("event_id").equalTo("EV-third-opinion"))
        .select("outcome", "reason").first().mkString("/")).isEqualTo("rejected/conflicting");
    assertThat(table(Table.KTO_EXAMPLES).filter(col("event_id").equalTo("EV-third-opinion")).count()).isZero();
  }

  @Test
  @Order(5)
  void aRerunOfTheDateAddsNothing() {
    Map<String, Long> before = new TreeMap<>();
    new FeedbackJob().tables().forEach(t -> before.put(t.tableName(), version(t)));

    RunLog again = feedback(DAY2);

    assertThat(again.status()).isEqualTo("succeeded");
    assertThat(again.get("events_read")).isZero();
    Map<String, Long> after = new TreeMap<>();
    new FeedbackJob().tables().forEach(t -> after.put(t.tableName(), version(t)));
    assertThat(after).isEqualTo(before);
  }

  /**
   * A run that died after writing its datasets and rejects but before the ledger rows of its new
   * events committed: the ledger is restored to the version before that commit. The next run reads
   * those events again and leaves every table with the same content (no example or reject twice).
   */
  @Test
  @Order(6)
  void aRunThatDiedBeforeItsLedgerCommitIsTakenAgainWithoutDuplicates() {
    Map<String, List<String>> before = contents();
    long ledgerRows = table(Table.FEEDBACK_CONSUMED).count();
    io.delta.tables.DeltaTable.forPath(spark, dir.resolve("warehouse").resolve(Table.FEEDBACK_CONSUMED.tableName()).toString())
        .restoreToVersion(version(Table.FEEDBACK_CONSUMED) - 1);
    long lost = ledgerRows - table(Table.FEEDBACK_CONSUMED).count();
    assertThat(lost).isPositive();

    RunLog resumed = feedback(DAY2, "feedback.max_failure_ratio=1");

    assertThat(resumed.status()).isEqualTo("succeeded");
    assertThat(resumed.get("events_read")).isEqualTo(lost);
    assertThat(contents()).isEqualTo(before);
  }

  /** Per table of the job, its rows' identities (example id; event key and outcome or reason), sorted, duplicates kept. */
  static Map<String, List<String>> contents() {
    Map<String, List<String>> out = new TreeMap<>();
    for (Table t : new FeedbackJob().tables()) {
      Column id = switch (t) {
        case FEEDBACK_CONSUMED -> concat_ws("|", col("event_key"), col("outcome"));
        case FEEDBACK_REJECTS -> concat_ws("|", col("event_key"), col("reason"), coalesce(col("dataset"), lit("")));
        default -> col("example_id");
      };
      out.put(t.tableName(), table(t).select(id).collectAsList().stream().map(r -> r.getString(0)).sorted().toList());
    }
    return out;
  }

  static Path export(String name, String... extra) {
    List<String> sets = new ArrayList<>(List.of("feedback.export.name=" + name));
    sets.addAll(List.of(extra));
    RunLog log = JobRunner.run(new ExportDatasetJob(), ctx("export-dataset", DAY2, sets.toArray(String[]::new)));
    assertThat(log.status()).isEqualTo("succeeded");
    return dir.resolve("warehouse").resolve("exports").resolve(name);
  }

  /** The example a line of {@code format} holds, read back from its JSON (keys checked, in order). */
  static TrainingExample parse(ExportFormat format, String line, int n) throws IOException {
    JsonNode j = JSON.readTree(line);
    List<String> keys = new ArrayList<>();
    j.fieldNames().forEachRemaining(keys::add);
    String id = "line-" + n;
    return switch (format) {
      case OPENAI_CHAT, TRL_SFT -> {
        assertThat(keys).containsExactly("messages");
        yield new TrainingExample.Chat(id, null, messages(j.get("messages")));
      }
      case OPENAI_PREFERENCE -> {
        assertThat(keys).containsExactly("input", "preferred_output", "non_preferred_output");
        yield new TrainingExample.Preference(id, null, messages(j.get("input").get("messages")),
            answer(j.get("preferred_output")), answer(j.get("non_preferred_output")));
      }
      case TRL_DPO -> {
        assertThat(keys).containsExactly("prompt", "chosen", "rejected");
        yield new TrainingExample.Preference(id, null, messages(j.get("prompt")), answer(j.get("chosen")), answer(j.get("rejected")));
      }
      case TRL_KTO -> {
        assertThat(keys).containsExactly("prompt", "completion", "label");
        assertThat(j.get("label").isBoolean()).isTrue();
        yield new TrainingExample.Unpaired(id, null, messages(j.get("prompt")), answer(j.get("completion")), j.get("label").asBoolean());
      }
    };
  }

  static List<ChatMessage> messages(JsonNode array) {
    List<ChatMessage> out = new ArrayList<>();
    array.forEach(m -> out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
    return out;
  }

  /** A one-message assistant list, as every answer is written. */
  static String answer(JsonNode array) {
    assertThat(array.size()).isEqualTo(1);
    assertThat(array.get(0).get("role").asText()).isEqualTo("assistant");
    return array.get(0).get("content").asText();
  }

  /** The line each row of the format's dataset becomes, by user. */
  static Map<String, List<String>> linesByUser(ExportFormat format) throws IOException {
    Map<String, List<String>> out = new HashMap<>();
    for (Row r : table(FeedbackJob.table(format.source())).collectAsList()) {
      out.computeIfAbsent(r.getAs("user_id"), k -> new ArrayList<>())
          .add(JSON.writeValueAsString(format.toJson(ExampleRows.toExample(format, r))));
    }
    return out;
  }

  @Test
  @Order(7)
  void everyExportedFilePassesItsFormatsValidationAndNoUserIsOnBothSides() throws IOException {
    Path out = export("first");
    ExportManifest manifest = ExportManifest.fromJson(Files.readString(out.resolve("manifest.json")));
    assertThat(manifest.files()).hasSize(ExportFormat.values().length * 2);
    for (ExportManifest.FileEntry f : manifest.files()) {
      Path file = out.resolve(f.path());
      assertThat(JsonlExport.sha256(file)).as(f.path()).isEqualTo(f.sha256());
      ExportFormat format = ExportFormat.valueOf(f.format().toUpperCase(java.util.Locale.ROOT));
      List<String> lines = Files.readAllLines(file);
      assertThat((long) lines.size()).isEqualTo(f.rows());
      for (int i = 0; i < lines.size(); i++) {
        assertThat(format.validate(parse(format, lines.get(i), i), MAX_TOKENS)).as(f.path() + " line " + (i + 1)).isEmpty();
      }
    }
    for (ExportFormat format : ExportFormat.values()) {
      Set<String> train = new HashSet<>(Files.readAllLines(out.resolve("train").resolve(format.code() + ".jsonl")));
      Set<String> validation = new HashSet<>(Files.readAllLines(out.resolve("validation").resolve(format.code() + ".jsonl")));
      Set<String> sides = new HashSet<>();
      linesByUser(format).forEach((user, lines) -> {
        Set<String> sidesOfUser = new HashSet<>();
        for (String line : lines) {
          if (train.contains(line)) {
            sidesOfUser.add("train");
          }
          if (validation.contains(line)) {
            sidesOfUser.add("validation");
          }
        }
        assertThat(sidesOfUser).as(format.code() + " " + user).hasSizeLessThanOrEqualTo(1);
        sides.addAll(sidesOfUser);
      });
      if (format == ExportFormat.OPENAI_CHAT || format == ExportFormat.TRL_KTO) {
        assertThat(sides).as(format.code()).containsExactlyInAnyOrder("train", "validation");
      }
    }
  }

  @Test
  @Order(8)
  void exportingAgainFromTheManifestsVersionsGivesByteIdenticalFiles() throws IOException {
    Path firstOut = dir.resolve("warehouse").resolve("exports").resolve("first");
    ExportManifest firstManifest = ExportManifest.fromJson(Files.readString(firstOut.resolve("manifest.json")));
    // The tables move on: a new accept on an output that only had ignores.
    Row ignored = table(Table.FEEDBACK_CONSUMED).groupBy("call_id")
        .agg(max(when(col("event_type").notEqual("ignore"), 1).otherwise(0)).as("other"), max("event_time").as("at"))
        .filter(col("other").equalTo(0).and(not(col("call_id").isin(nearCalls())))
            .and(col("call_id").notEqual(FeedbackFixture.callId(FeedbackFixture.LONG_CALL))))
        .orderBy("call_id").first();
    appendEvents(List.of(event("EV-new-accept", new Timestamp(ignored.getTimestamp(2).getTime() + 60_000L), "FU-newcomer",
        ignored.getString(0), "accept")));
    assertThat(feedback(DAY2).get("sft_examples_added")).isEqualTo(1);

    Path again = export("again", "feedback.export.from_manifest=" + firstOut.resolve("manifest.json"));
    ExportManifest againManifest = ExportManifest.fromJson(Files.readString(again.resolve("manifest.json")));
    assertThat(againManifest.deltaVersions()).isEqualTo(firstManifest.deltaVersions());
    assertThat(againManifest.files()).isEqualTo(firstManifest.files());
    for (ExportManifest.FileEntry f : firstManifest.files()) {
      assertThat(Files.mismatch(firstOut.resolve(f.path()), again.resolve(f.path()))).as(f.path()).isEqualTo(-1L);
    }
    ExportManifest latest = ExportManifest.fromJson(Files.readString(export("latest").resolve("manifest.json")));
    assertThat(latest.deltaVersions()).isNotEqualTo(firstManifest.deltaVersions());
    assertThat(latest.counts()).isNotEqualTo(firstManifest.counts());
  }

  @Test
  @Order(9)
  void forgetUserRemovesEveryTraceOfTheUserFromTablesAndTheNextExport() throws IOException {
    String user = table(Table.SFT_EXAMPLES).groupBy("user_id").count().orderBy(col("count").desc(), col("user_id")).first().getString(0);
    List<String> theirLines = new ArrayList<>();
    for (ExportFormat format : ExportFormat.values()) {
      theirLines.addAll(linesByUser(format).getOrDefault(user, List.of()));
    }
    assertThat(theirLines).isNotEmpty();
    long sftBefore = version(Table.SFT_EXAMPLES);
    List<Row> theirEvents = generated.stream().filter(r -> user.equals(r.getAs("user_id")))
        .map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6))).toList();
    assertThat(theirEvents).isNotEmpty();

    RunLog forget = JobRunner.run(new ForgetUserJob(user, true), ctx("forget-user", DAY2));

    assertThat(forget.status()).isEqualTo("succeeded");
    assertThat(forget.get("deleted_sft_examples")).isPositive();
    for (Table t : ForgetUserJob.USER_TABLES) {
      assertThat(table(t).filter(col("user_id").equalTo(user)).count()).as(t.tableName()).isZero();
    }
    assertThat(spark.read().format("delta").load(eventsPath).filter(col("user_id").equalTo(user)).count()).isZero();
    // Purged: the version before the deletion can no longer be read back.
    String sft = dir.resolve("warehouse").resolve("sft_examples").toString();
    assertThatThrownBy(() -> spark.read().format("delta").option("versionAsOf", sftBefore).load(sft).collectAsList())
        .isInstanceOf(Exception.class);

    Path after = export("after-forget");
    for (ExportFormat format : ExportFormat.values()) {
      for (String split : List.of("train", "validation")) {
        List<String> lines = Files.readAllLines(after.resolve(split).resolve(format.code() + ".jsonl"));
        assertThat(lines).as(split + "/" + format.code()).doesNotContainAnyElementsOf(theirLines);
      }
    }
    // Their events come back in the input (a source that was not cleaned): the job does not read them again.
    appendEvents(theirEvents);
    RunLog rerun = feedback(DAY2);
    assertThat(rerun.get("events_read")).isZero();
    for (Table t : ForgetUserJob.USER_TABLES) {
      assertThat(table(t).filter(col("user_id").equalTo(user)).count()).as(t.tableName() + " after a rerun").isZero();
    }
  }
}
