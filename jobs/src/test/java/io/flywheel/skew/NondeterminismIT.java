package io.flywheel.skew;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.FakeLlmServer.Reply;
import io.flywheel.testing.FakeLlmServerExtension;
import io.flywheel.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The skew job's nondeterminism step through the real provider layer: the deterministic local
 * provider honestly measures no variation, a test server that answers each repeat differently moves
 * the metric, an answer that never meets the schema shows as not parsed, and a rerun of the date
 * sends no call that has ended.
 */
class NondeterminismIT {
  private static final LocalDate DAY = LocalDate.of(2026, 12, 3);
  private static final String SECRET = "sk-flywheel-nondeterminism-SECRET-51c2";
  private static final String BROKEN = "zebra-print";

  @RegisterExtension final FakeLlmServerExtension fake = new FakeLlmServerExtension(SECRET);

  @TempDir Path dir;

  private static Dataset<Row> inputs() {
    List<Row> rows = new ArrayList<>();
    for (String t : List.of(
        "Stainless steel electric kettle, 1.7 litres, boils water in three minutes.",
        "Cotton t-shirt with a round neck, machine washable, available in five colours.",
        "Wireless mouse with a silent click and a battery that lasts eighteen months.",
        "Ceramic mug that holds 350 ml and keeps its glaze in the dishwasher.",
        "Folding umbrella in " + BROKEN + " fabric with a wind-resistant frame.")) {
      rows.add(RowFactory.create(t));
    }
    rows.add(RowFactory.create((Object) null));
    rows.add(RowFactory.create("   "));
    return TestSpark.session().createDataFrame(rows, StructType.fromDDL("text STRING"));
  }

  private RunLog run(RunContext ctx) {
    ctx.warehouse().ensure(Table.LLM_CALLS);
    ctx.warehouse().ensure(Table.NONDETERMINISM);
    RunLog log = new RunLog(ctx);
    Nondeterminism.run(ctx, log, new TableWrites(ctx.warehouse(), ctx.job(), ctx.runId()), inputs(),
        new Nondeterminism.Settings(10, 3, 7, "description", 4));
    return log;
  }

  private List<Map<String, Object>> stats(RunContext ctx) {
    return TestSpark.rows(ctx.warehouse().read(Table.NONDETERMINISM).orderBy("content_hash")
        .drop("run_id", "created_at"));
  }

  private long skewCalls(RunContext ctx) {
    return ctx.warehouse().read(Table.LLM_CALLS).where(col("job").equalTo("skew")).count();
  }

  @Test
  void theLocalProviderAnswersAlikeAndARerunSendsNothing() {
    RunContext ctx = TestSpark.context("skew", dir, DAY, false, List.of());
    RunLog first = run(ctx);

    List<Map<String, Object>> stats = stats(ctx);
    assertThat(stats).hasSize(5);
    for (Map<String, Object> s : stats) {
      assertThat(s).containsEntry("repeats", 3).containsEntry("answered", 3).containsEntry("distinct_outputs", 1)
          .containsEntry("mean_pairwise_similarity", 1.0).containsEntry("parsed_all", true);
      assertThat(s.get("statuses")).isEqualTo(List.of("ok", "ok", "ok"));
    }
    assertThat(first.get("nondeterminism_inputs")).isEqualTo(5);
    assertThat(first.get("calls")).isEqualTo(15);
    assertThat(first.get("nondeterminism_varied")).isZero();
    assertThat(skewCalls(ctx)).isEqualTo(15);
    assertThat(ctx.warehouse().read(Table.LLM_CALLS).select("request_key").distinct().count()).isEqualTo(5);

    RunContext again = TestSpark.context("skew", dir, DAY, false, List.of());
    RunLog second = run(again);
    assertThat(second.get("nondeterminism_calls_pending")).isZero();
    assertThat(second.get("calls")).isZero();
    assertThat(skewCalls(again)).isEqualTo(15);
    assertThat(stats(again)).isEqualTo(stats);
  }

  @Test
  void variedAnswersMoveTheMetricAndAnUnparseableAnswerShows() throws Exception {
    Path keyFile = Files.writeString(Files.createDirectories(dir).resolve("api-key"), SECRET + "\n");
    Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    List<String> variants = List.of(
        "A steel kettle that boils water fast.", "Kettle of steel: quick boiling, 1.7 l.", "Boils water quickly; steel body.");
    fake.server().script(r -> {
      String user = firstUser(r.body());
      if (user.contains(BROKEN)) {
        return Reply.answer().content("Sure! It is an umbrella.");
      }
      if (r.repair()) {
        return Reply.answer();
      }
      int n = seen.computeIfAbsent(r.itemKey(), k -> new AtomicInteger()).getAndIncrement();
      return Reply.answer().content("{\"summary\": \"" + variants.get(n % 3) + "\", \"key_features\": [\"steel\"]}");
    });
    RunContext ctx = TestSpark.context("skew", dir, DAY, false, List.of(
        "llm.provider=openai", "llm.model=gpt-test", "llm.base_url=" + fake.server().openAiBaseUrl(),
        "llm.api_key_file=" + keyFile, "llm.max_attempts=2", "llm.initial_backoff_ms=10"));
    RunLog log = run(ctx);

    List<Map<String, Object>> stats = stats(ctx);
    assertThat(stats).hasSize(5);
    Map<String, Object> broken = stats.stream().filter(s -> ((String) s.get("input_text")).contains(BROKEN)).findFirst().orElseThrow();
    assertThat(broken).containsEntry("parsed_all", false).containsEntry("answered", 3).containsEntry("distinct_outputs", 0);
    assertThat(broken.get("statuses")).isEqualTo(List.of("failed", "failed", "failed"));
    for (Map<String, Object> s : stats) {
      if (s != broken) {
        assertThat(s).as("%s", s).containsEntry("distinct_outputs", 3).containsEntry("parsed_all", true);
        assertThat((Double) s.get("mean_pairwise_similarity")).isBetween(0.05, 0.95);
      }
    }
    assertThat(log.get("nondeterminism_varied")).isEqualTo(4);
    assertThat(log.get("nondeterminism_not_parsed_all")).isEqualTo(1);
    // Every call of the date is in llm_calls, each input asked three times, and the key nowhere.
    List<Row> calls = ctx.warehouse().read(Table.LLM_CALLS).where(col("job").equalTo("skew")).collectAsList();
    assertThat(calls).hasSize(15);
    assertThat(calls.toString()).doesNotContain(SECRET);
    assertThat(fake.server().seen().stream().filter(s -> !s.repair()).count()).isEqualTo(15);

    int before = fake.server().seen().size();
    RunLog rerun = run(TestSpark.context("skew", dir, DAY, false, List.of(
        "llm.provider=openai", "llm.model=gpt-test", "llm.base_url=" + fake.server().openAiBaseUrl(),
        "llm.api_key_file=" + keyFile)));
    assertThat(rerun.get("calls")).isZero();
    assertThat(fake.server().seen()).hasSize(before);
  }

  private static String firstUser(JsonNode body) {
    for (JsonNode m : body.path("messages")) {
      if (m.path("role").asText().equals("user")) {
        return m.path("content").asText();
      }
    }
    return "";
  }
}
