package io.flywheel.generate;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.feedback.FeedbackEventType;
import io.flywheel.feedback.FeedbackEvents;
import io.flywheel.feedback.FeedbackPayload;
import io.flywheel.testing.TestSpark;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FeedbackGeneratorIT {
  static final StructType CALLS = StructType.fromDDL("call_id STRING, job STRING, item_key STRING, request_key STRING,"
      + " request STRING, response STRING, status STRING, created_at TIMESTAMP");
  static final int USABLE = 160;

  static Dataset<Row> calls;
  static Dataset<Row> events;
  static List<Row> rows;

  @BeforeAll
  static void generate() {
    SparkSession spark = TestSpark.session();
    List<Row> c = new ArrayList<>();
    for (int i = 0; i < USABLE + 20; i++) {
      boolean ok = i < USABLE;
      // Calls 0-19 come in pairs of the same request: the pairwise events' material.
      String requestKey = "rk-" + (i < 20 ? i / 2 : i);
      String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarize item " + (i < 20 ? i / 2 : i) + "\"}]}";
      c.add(RowFactory.create("call-" + i, i % 4 == 0 ? "recommend" : "summarize", i % 4 == 0 ? "U-" + i : "SKU-" + i,
          requestKey, body, ok ? "Summary " + i + "." : null, ok ? "ok" : "failed",
          new Timestamp(Timestamp.valueOf("2026-11-01 00:00:00").getTime() + 3_600_000L * i)));
    }
    calls = spark.createDataFrame(c, CALLS);
    events = FeedbackGenerator.generate(calls, 7L).cache();
    rows = events.collectAsList();
  }

  private static long planted(FeedbackGenerator.Plant p) {
    return rows.stream().filter(r -> p.code().equals(r.getAs("planted"))).count();
  }

  @Test
  void eachPlantIsPresentInItsStatedAmount() {
    for (FeedbackGenerator.Plant p : FeedbackGenerator.Plant.values()) {
      assertThat(planted(p)).as(p.code()).isEqualTo(p.events(USABLE)).isGreaterThan(0);
    }
    // 160 calls: residues 0-5 of 50 are carried by 4, 4, 4, 4, 3, 3 calls; i mod 10 == 7 by 16.
    assertThat(FeedbackGenerator.Plant.UNKNOWN_CALL.events(USABLE)).isEqualTo(4);
    assertThat(FeedbackGenerator.Plant.CONFLICTING.events(USABLE)).isEqualTo(8);
    assertThat(FeedbackGenerator.Plant.HEAVY_USER.events(USABLE)).isEqualTo(16);
  }

  @Test
  void eachPlantIsWhatItSaysItIs() {
    Set<String> known = calls.select("call_id").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
    Set<String> usable = calls.filter(col("status").equalTo("ok")).select("call_id").collectAsList().stream()
        .map(r -> r.getString(0)).collect(Collectors.toSet());
    Map<String, Long> idCounts = rows.stream().collect(Collectors.groupingBy(r -> r.<String>getAs("event_id"), Collectors.counting()));
    for (Row r : rows) {
      String planted = r.getAs("planted");
      String call = r.getAs("call_id");
      if (!"unknown_call".equals(planted)) {
        assertThat(usable).as("events are for usable calls").contains(call);
      }
      if (planted == null) {
        continue;
      }
      switch (planted) {
        case "unknown_call" -> assertThat(known).doesNotContain(call);
        case "duplicate_event" -> assertThat(idCounts.get(r.<String>getAs("event_id"))).isEqualTo(2);
        case "malformed_payload" -> assertThat(FeedbackPayload.parse(
            FeedbackEventType.of(r.getAs("event_type")).orElseThrow(), r.getAs("payload")).isOk()).isFalse();
        default -> { }
      }
    }
    Map<String, Set<String>> conflictUsers = new java.util.HashMap<>();
    for (Row r : rows) {
      if ("conflicting".equals(r.getAs("planted"))) {
        conflictUsers.computeIfAbsent(r.getAs("call_id"), k -> new HashSet<>()).add(r.getAs("user_id"));
      }
    }
    assertThat(conflictUsers.values()).allSatisfy(users -> assertThat(users).hasSize(2));
    assertThat(rows.stream().filter(r -> "heavy_user".equals(r.getAs("planted")))
        .map(r -> r.<String>getAs("user_id")).collect(Collectors.toSet())).hasSize(3);
    assertThat(rows.stream().filter(r -> "pairwise".equals(r.getAs("event_type"))).count()).isEqualTo(10);
  }

  @Test
  void lateEventsArriveAMonthAfterTheCall() {
    Dataset<Row> late = events.filter(col("planted").equalTo("late")).join(calls.select("call_id", "created_at"), "call_id");
    for (Row r : late.collectAsList()) {
      long days = (r.<Timestamp>getAs("event_time").getTime() - r.<Timestamp>getAs("created_at").getTime()) / 86_400_000L;
      assertThat(days).isBetween(30L, 60L);
    }
    assertThat(late.count()).isEqualTo(FeedbackGenerator.Plant.LATE.events(USABLE));
  }

  @Test
  void theSameCallsAndSeedGiveTheSameEvents() {
    List<String> again = FeedbackGenerator.generate(calls, 7L).collectAsList().stream().map(Row::toString).sorted().toList();
    assertThat(again).isEqualTo(rows.stream().map(Row::toString).sorted().toList());
    List<String> other = FeedbackGenerator.generate(calls, 8L).collectAsList().stream().map(Row::toString).sorted().toList();
    assertThat(other).isNotEqualTo(again);
  }

  @Test
  void theChecksGiveEveryPlantedEventItsExpectedReason() {
    Dataset<Row> checked = FeedbackEvents.withEventChecks(events.drop("planted"), FeedbackEvents.withPromptAndOutput(calls), 4000);
    Dataset<Row> truth = FeedbackGenerator.withExpectedReason(events.filter(col("planted").isNotNull()))
        .select(col("event_id").as("t_id"), col("event_time").as("t_time"), col("planted"), col("expected_reason"));
    List<Row> joined = checked.join(truth, checked.col("event_id").equalTo(truth.col("t_id"))
            .and(checked.col("event_time").equalTo(truth.col("t_time"))))
        .select("planted", "expected_reason", "reject_reason", "precedence").collectAsList();
    assertThat(joined).hasSize((int) rows.stream().filter(r -> r.getAs("planted") != null).count());
    for (Row r : joined) {
      assertThat(r.getString(2)).as(r.getString(0)).isEqualTo(r.getString(1));
    }
    assertThat(joined.stream().filter(r -> "superseded".equals(r.getString(0))).map(r -> r.getString(3)))
        .containsOnly("superseded", "effective");
    assertThat(checked.count()).isEqualTo(rows.size());
  }
}
