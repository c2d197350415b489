package io.flywheel.summarize;

import static io.flywheel.testing.ProviderRuns.itemKeyOf;
import static io.flywheel.testing.ProviderRuns.str;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.FakeLlmServerExtension;
import io.flywheel.testing.FakeLlmServer.Reply;
import io.flywheel.testing.ProviderRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summarize job against the fake server when the provider is down, hung, rate-limited,
 * answers with another model, or the budget runs out; and with the Anthropic API.
 */
class ProviderResilienceIT {
  private static final LocalDate DAY1 = LocalDate.of(2026, 12, 1);
  private static final LocalDate DAY2 = LocalDate.of(2026, 12, 2);
  private static final String SECRET = "sk-flywheel-resilience-SECRET-41d2e8";
  private static final String MODEL = "gpt-pinned-2024-07-18";

  @RegisterExtension final FakeLlmServerExtension fake = new FakeLlmServerExtension(SECRET);

  @TempDir Path dir;

  private ProviderRuns openAi(String name, String... sets) throws Exception {
    List<String> all = new ArrayList<>(List.of("llm.provider=openai", "llm.model=" + MODEL,
        "llm.base_url=" + fake.server().openAiBaseUrl(), "llm.initial_backoff_ms=20", "llm.max_backoff_ms=3000"));
    all.addAll(List.of(sets));
    return new ProviderRuns(Files.createDirectories(dir.resolve(name)), SECRET, all);
  }

  private static Map<String, Long> byStatus(List<Row> calls) {
    return calls.stream().collect(Collectors.groupingBy(r -> str(r, "status"), Collectors.counting()));
  }

  @Test
  void aHungProviderTripsTheBreakerAfterAFewRequestsAndTheNextRunSendsEverything() throws Exception {
    ProviderRuns runs = openAi("hung", "llm.max_concurrency=2", "llm.max_attempts=2", "llm.read_timeout_ms=400",
        "llm.total_timeout_ms=800", "llm.circuit_breaker.failure_threshold=3", "llm.circuit_breaker.cooldown_ms=600000");
    runs.generate(40, 3);
    fake.server().script(r -> Reply.hang());

    // Bounded by what was sent, not by a stopwatch: a few timed-out requests, then none.
    RunLog first = runs.run(DAY1);

    List<Row> calls = runs.calls(runs.lastRunId());
    assertThat(calls).hasSize((int) first.get("requests_planned"));
    assertThat(byStatus(calls)).containsOnlyKeys("retryable_error");
    Set<String> classes = calls.stream().map(r -> str(r, "error_class")).collect(Collectors.toSet());
    assertThat(classes).containsExactlyInAnyOrder("timeout", "circuit_open");
    assertThat(fake.server().seen().size()).as("requests sent before the breaker opened").isBetween(3, 5);
    assertThat(first.get("error_circuit_open")).isGreaterThanOrEqualTo(first.get("calls") - 5);
    assertThat(first.status()).isEqualTo("failed");
    assertThat(runs.printed()).contains("requests were not sent because the circuit breaker opened");
    assertThat(runs.table(Table.SUMMARIES).count()).isZero();

    fake.server().clearSeen();
    fake.server().script(r -> Reply.answer());
    RunLog second = runs.run(DAY2);
    assertThat(second.get("calls")).isEqualTo(first.get("calls"));
    assertThat(fake.server().seen()).hasSize((int) first.get("calls"));
    assertThat(second.get("retryable_error") + second.get("failed")).isZero();
    assertThat(second.status()).isEqualTo("succeeded");
    runs.assertSecretNowhere(SECRET);
  }

  @Test
  void aWrongKeyEchoedMaskedInTheAnswerLeavesNoFragmentInAnyTable() throws Exception {
    // The server echoes the wrong key as OpenAI does, masked: "Incorrect API key provided: mock-sec*****123."
    String wrong = "mock-secret-wrong-key-0123";
    fake.server().maskEchoedKey(true);
    List<String> all = new ArrayList<>(List.of("llm.provider=openai", "llm.model=" + MODEL,
        "llm.base_url=" + fake.server().openAiBaseUrl(), "llm.max_attempts=1", "llm.circuit_breaker.failure_threshold=1000"));
    ProviderRuns runs = new ProviderRuns(Files.createDirectories(dir.resolve("wrong-key")), wrong, all);
    runs.generate(6, 5);

    RunLog first = runs.run(DAY1);

    List<Row> calls = runs.calls(runs.lastRunId());
    assertThat(calls).isNotEmpty().allSatisfy(r -> {
      assertThat(str(r, "error_class")).isEqualTo("http_401");
      assertThat(str(r, "error_message")).contains("Incorrect API key provided: [redacted]");
    });
    assertThat(first.status()).isEqualTo("failed");
    runs.assertSecretNowhere(wrong);
    runs.assertSecretNowhere(FakeLlmServer.masked(wrong));
    runs.assertSecretNowhere(wrong.substring(0, 8));
  }

  @Test
  void budgetsStopCallingAndWhatTheySkipIsSentByTheNextRun() throws Exception {
    ProviderRuns runs = openAi("budget", "llm.max_concurrency=3", "summarize.batch_size=25",
        "llm.pricing={" + MODEL + ": {input_per_mtok: 1000, output_per_mtok: 1000}}");
    runs.generate(50, 5);

    RunLog first = runs.run(DAY1, "llm.budget.max_calls=12");
    long requests = first.get("requests_planned");
    assertThat(requests).isGreaterThan(40);
    assertThat(fake.server().seen()).hasSize(12);
    List<Row> calls = runs.calls(runs.lastRunId());
    assertThat(calls).hasSize((int) requests);
    assertThat(byStatus(calls).get("budget_skipped")).isEqualTo(requests - 12);
    assertThat(calls.stream().filter(r -> str(r, "status").equals("budget_skipped")))
        .allSatisfy(r -> assertThat(r.getInt(r.fieldIndex("attempts"))).isZero());
    assertThat(first.get("calls")).isEqualTo(12);
    assertThat(first.status()).as("skipping for the budget is no failure").isEqualTo("succeeded");
    assertThat(first.get("plan_calls")).isEqualTo(requests);
    assertThat(first.get("plan_cost_microusd")).isPositive();
    assertThat(runs.printed()).contains("budget: max_calls 12").contains(requests - 12 + " requests were not sent");
    Row runRow = runs.table(Table.RUNS).first();
    assertThat(runRow.<String, Long>getJavaMap(runRow.fieldIndex("counts"))).containsEntry("budget_skipped", requests - 12)
        .containsKey("plan_cost_microusd");
    Set<String> sentFirst = fake.server().seen().stream().map(FakeLlmServer.Seen::itemKey).collect(Collectors.toSet());

    fake.server().clearSeen();
    RunLog second = runs.run(DAY2, "llm.budget.max_cost_usd=4.0");
    List<Row> secondCalls = runs.calls(runs.lastRunId());
    double spent = secondCalls.stream().mapToDouble(r -> r.getDouble(r.fieldIndex("cost_usd"))).sum();
    assertThat(spent).isLessThanOrEqualTo(4.0).isGreaterThan(1.0);
    assertThat(second.get("budget_skipped")).isPositive();
    assertThat(fake.server().seen()).hasSize((int) second.get("calls"));
    Set<String> sentSecond = fake.server().seen().stream().map(FakeLlmServer.Seen::itemKey).collect(Collectors.toSet());
    assertThat(sentSecond).doesNotContainAnyElementsOf(sentFirst);

    fake.server().clearSeen();
    RunLog third = runs.run(DAY2);
    assertThat(third.get("calls")).isEqualTo(requests - 12 - second.get("calls"));
    Set<String> sentThird = fake.server().seen().stream().map(FakeLlmServer.Seen::itemKey).collect(Collectors.toSet());
    assertThat(sentThird).hasSize((int) third.get("calls")).doesNotContainAnyElementsOf(sentFirst)
        .doesNotContainAnyElementsOf(sentSecond);
    assertThat(third.get("budget_skipped")).isZero();
    fake.server().clearSeen();
    assertThat(runs.run(DAY2).get("calls")).isZero();
  }

  @Test
  void strictModelPinningKeepsTheRowsRetryableAndFailsTheRun() throws Exception {
    ProviderRuns runs = openAi("pinning", "llm.fail_on_model_mismatch=true", "llm.circuit_breaker.failure_threshold=3");
    runs.generate(20, 9);
    fake.server().script(r -> Reply.answer().model("gpt-4o-mini"));

    RunLog first = runs.run(DAY1);
    List<Row> calls = runs.calls(runs.lastRunId());
    assertThat(byStatus(calls)).containsOnlyKeys("retryable_error");
    assertThat(calls.stream().map(r -> str(r, "error_class")).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("model_mismatch", "circuit_open");
    assertThat(calls.stream().filter(r -> str(r, "error_class").equals("model_mismatch")))
        .allSatisfy(r -> {
          assertThat(str(r, "reported_model")).isEqualTo("gpt-4o-mini");
          assertThat(str(r, "requested_model")).isEqualTo(MODEL);
        });
    assertThat(first.status()).isEqualTo("failed");
    assertThat(runs.table(Table.SUMMARIES).count()).isZero();

    fake.server().script(r -> Reply.answer());
    RunLog second = runs.run(DAY2);
    assertThat(second.get("calls")).isEqualTo(first.get("calls"));
    assertThat(second.status()).isEqualTo("succeeded");
  }

  @Test
  void theJobPacesItselfToTheLimitAndHonoursRetryAfterWhenItHasNone() throws Exception {
    fake.server().limitPerMinute(600, true).latencyMs(20);
    ProviderRuns paced = openAi("paced", "llm.max_concurrency=4", "llm.rate_limit.requests_per_minute=600");
    paced.generate(45, 11);
    RunLog run = paced.run(DAY1);
    assertThat(run.get("ok") + run.get("guardrail_rejected")).isEqualTo(run.get("calls"));
    List<FakeLlmServer.Seen> seen = fake.server().seen();
    assertThat(fake.server().count(429)).as("429s when the job keeps to the limit").isZero();
    double span = (seen.stream().mapToLong(FakeLlmServer.Seen::arrivedNanos).max().getAsLong()
        - seen.stream().mapToLong(FakeLlmServer.Seen::arrivedNanos).min().getAsLong()) / 1e9;
    assertThat(span).as("seconds to send %d requests at 10/s", seen.size()).isGreaterThan((seen.size() - 1) / 10.0 * 0.9);

    fake.server().clearSeen();
    fake.server().limitPerMinute(600, true);
    ProviderRuns unpaced = openAi("unpaced", "llm.max_concurrency=8", "llm.max_attempts=6");
    unpaced.generate(45, 11);
    RunLog burst = unpaced.run(DAY1);
    assertThat(fake.server().count(429)).as("429s when the job does not know the limit").isPositive();
    assertThat(burst.get("retryable_error") + burst.get("failed")).isZero();
    assertThat(burst.get("calls")).isEqualTo(run.get("calls"));
  }

  @Test
  void theAnthropicProviderSummarizesThroughAToolAndRetriesOverloads() throws Exception {
    List<JsonNode> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
    fake.server().script(r -> {
      bodies.add(r.body());
      int c = Math.floorMod(r.itemKey().hashCode(), 4);
      return r.attempt() > 1 || c == 3 ? Reply.answer() : c == 0 ? Reply.error(529) : c == 1 ? Reply.disconnect() : Reply.error(500);
    });
    ProviderRuns runs = new ProviderRuns(Files.createDirectories(dir.resolve("anthropic")), SECRET, List.of(
        "llm.provider=anthropic", "llm.model=claude-pinned-20250514", "llm.base_url=" + fake.server().anthropicBaseUrl(),
        "llm.max_concurrency=3", "llm.initial_backoff_ms=20"));
    runs.generate(30, 13);

    RunLog log = runs.run(DAY1);

    assertThat(log.get("calls")).isPositive();
    assertThat(log.get("ok") + log.get("guardrail_rejected")).isEqualTo(log.get("calls"));
    assertThat(log.get("ok")).isGreaterThan(log.get("calls") / 2);
    assertThat(fake.server().count(529)).isPositive();
    assertThat(bodies).allSatisfy(b -> assertThat(b.path("tool_choice").path("name").asText()).isEqualTo("catalog_summary"));
    List<Row> calls = runs.calls(runs.lastRunId());
    assertThat(calls).hasSize((int) log.get("calls"));
    for (Row r : calls) {
      assertThat(str(r, "provider")).isEqualTo("anthropic");
      assertThat(str(r, "reported_model")).isEqualTo("claude-pinned-20250514");
      assertThat(r.getInt(r.fieldIndex("output_tokens"))).isPositive();
      assertThat(r.getInt(r.fieldIndex("attempts"))).isEqualTo(Math.floorMod(itemKeyOf(r).hashCode(), 4) == 3 ? 1 : 2);
    }
    Set<String> summaries = new HashSet<>(runs.table(Table.SUMMARIES).select("summary").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    assertThat(summaries).hasSize((int) log.get("ok"));
    runs.assertSecretNowhere(SECRET);
  }
}
