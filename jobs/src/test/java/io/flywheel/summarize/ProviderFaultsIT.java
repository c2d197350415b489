package io.flywheel.summarize;

import static io.flywheel.testing.ProviderRuns.itemKeyOf;
import static io.flywheel.testing.ProviderRuns.str;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.FakeLlmServerExtension;
import io.flywheel.testing.FakeLlmServer.Reply;
import io.flywheel.testing.ProviderRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summarize job against the fake OpenAI server with a different fault for each item: transient
 * faults end as the fault-free outcome after retries, the request's own faults end {@code failed},
 * a fault that persists ends {@code retryable_error}, and the next run sends only those. No row is
 * lost, none is committed twice, and the key appears in no table, log or output.
 */
class ProviderFaultsIT {
  private static final LocalDate DAY1 = LocalDate.of(2026, 12, 1);
  private static final LocalDate DAY2 = LocalDate.of(2026, 12, 2);
  private static final String SECRET = "sk-flywheel-faults-SECRET-7f3a9c";
  private static final String MODEL = "gpt-pinned-2024-07-18";

  @RegisterExtension final FakeLlmServerExtension fake = new FakeLlmServerExtension(SECRET);

  @TempDir Path dir;

  /** The fault an item meets, from its key, the same way on the server and in the checks. */
  static int category(String itemKey) {
    return Math.floorMod(itemKey.hashCode(), 20);
  }

  private static Reply fault(FakeLlmServer.Request r) {
    int c = category(r.itemKey());
    boolean first = r.attempt() == 1;
    return switch (c) {
      case 0 -> first ? Reply.error(429).retryAfter("1") : Reply.answer();
      case 1 -> first ? Reply.error(429) : Reply.answer();
      case 2, 3, 4, 5 -> first ? Reply.error(new int[] {500, 502, 503, 504}[c - 2]) : Reply.answer();
      case 6 -> first ? Reply.hang() : Reply.answer();
      case 7 -> first ? Reply.disconnect() : Reply.answer();
      case 8 -> first ? Reply.malformedJson() : Reply.answer();
      case 9 -> first ? Reply.truncatedJson() : Reply.answer();
      case 10 -> first ? Reply.emptyChoices() : Reply.answer();
      case 11 -> first ? Reply.cutBody() : Reply.answer();
      case 12 -> Reply.answer().finish("length");
      case 13 -> Reply.answer().finish("content_filter");
      case 14 -> Reply.error(400, "context_length_exceeded", "This model's maximum context length is 128 tokens");
      case 15 -> Reply.answer().model("gpt-4o-mini-2099-01-01");
      case 16 -> r.repair() ? Reply.answer() : Reply.answer().content("Sure! The item is a kettle.");
      case 17 -> Reply.answer().content("{\"summary\": 42}");
      case 18 -> Reply.error(503);
      default -> Reply.answer();
    };
  }

  private static final Map<Integer, String> FAILED_AS =
      Map.of(12, "output_truncated", 13, "content_filter", 14, "context_length", 17, "invalid_output");

  @Test
  void everyFaultEndsInTheRightOutcomeAndTheNextRunSendsOnlyTheRetryableRows() throws Exception {
    // The fault-free outcome of each item, from the offline provider, which answers alike.
    ProviderRuns baseline = new ProviderRuns(Files.createDirectories(dir.resolve("baseline")), SECRET, List.of());
    baseline.generate(90, 21);
    baseline.run(DAY1);
    Map<String, String> expected = new HashMap<>();
    for (Row r : baseline.calls(baseline.lastRunId())) {
      expected.put(itemKeyOf(r), str(r, "status"));
    }
    assertThat(expected.values()).contains("ok");

    ProviderRuns runs = new ProviderRuns(Files.createDirectories(dir.resolve("faults")), SECRET, List.of(
        "llm.provider=openai", "llm.model=" + MODEL, "llm.base_url=" + fake.server().openAiBaseUrl(),
        "llm.max_concurrency=4", "llm.max_attempts=4", "llm.initial_backoff_ms=20", "llm.max_backoff_ms=2000",
        "llm.connect_timeout_ms=1000", "llm.read_timeout_ms=800", "llm.total_timeout_ms=2000",
        "llm.circuit_breaker.failure_threshold=1000", "summarize.batch_size=50"));
    runs.generate(90, 21);
    fake.server().script(ProviderFaultsIT::fault);

    RunLog first = runs.run(DAY1);

    List<Row> calls = runs.calls(runs.lastRunId());
    assertThat(calls).hasSize((int) first.get("requests_planned"));
    Map<Integer, Integer> seenCategories = new HashMap<>();
    Set<String> retryable = new HashSet<>();
    for (Row r : calls) {
      String key = itemKeyOf(r);
      int c = category(key);
      seenCategories.merge(c, 1, Integer::sum);
      String status = str(r, "status");
      int attempts = r.getInt(r.fieldIndex("attempts"));
      String what = "category " + c + ": " + r;
      if (FAILED_AS.containsKey(c)) {
        assertThat(status).as(what).isEqualTo("failed");
        assertThat(str(r, "error_class")).as(what).isEqualTo(FAILED_AS.get(c));
        assertThat(attempts).as(what).isEqualTo(c == 17 ? 2 : 1);
      } else if (c == 18) {
        assertThat(status).as(what).isEqualTo("retryable_error");
        assertThat(str(r, "error_class")).as(what).isEqualTo("http_503");
        assertThat(attempts).as(what).isEqualTo(4);
        retryable.add(key);
      } else {
        assertThat(status).as(what).isEqualTo(expected.get(key));
        assertThat(attempts).as(what).isEqualTo(c <= 11 || c == 16 ? 2 : 1);
        assertThat(r.getInt(r.fieldIndex("input_tokens"))).as(what).isPositive();
        assertThat(str(r, "reported_model")).as(what).isEqualTo(c == 15 ? "gpt-4o-mini-2099-01-01" : MODEL);
        assertThat(str(r, "requested_model")).isEqualTo(MODEL);
      }
    }
    assertThat(seenCategories.keySet()).as("the catalog meets most faults").hasSizeGreaterThanOrEqualTo(16);
    assertThat(retryable).isNotEmpty();

    // Nothing lost: every item asked about is in summaries (ok) or has its outcome in llm_calls.
    long okItems = calls.stream().filter(r -> str(r, "status").equals("ok")).mapToLong(r -> r.getInt(r.fieldIndex("item_count"))).sum();
    assertThat(calls.stream().mapToLong(r -> r.getInt(r.fieldIndex("item_count"))).sum()).isEqualTo(first.get("items_to_summarize"));
    assertThat(runs.table(Table.SUMMARIES).count()).isEqualTo(okItems).isPositive();
    // Too many failures for max_failure_ratio 0.05: the run fails, after committing its successes.
    assertThat(first.status()).isEqualTo("failed");
    assertThat(str(runs.table(Table.RUNS).first(), "status")).isEqualTo("failed");
    assertThat(first.get("model_mismatch")).isEqualTo((long) seenCategories.getOrDefault(15, 0));
    assertThat(runs.printed()).contains("WARNING: " + first.get("model_mismatch") + " calls were answered by a model other than the pinned " + MODEL);
    assertThat(fake.server().count(429)).isGreaterThanOrEqualTo(seenCategories.getOrDefault(0, 0) + seenCategories.getOrDefault(1, 0));

    // The next run, against a healthy server, sends exactly the retryable rows, once each.
    fake.server().clearSeen();
    fake.server().script(r -> Reply.answer());
    RunLog second = runs.run(DAY2);
    assertThat(second.get("calls")).isEqualTo(retryable.size());
    assertThat(fake.server().seen()).extracting(FakeLlmServer.Seen::itemKey).containsExactlyInAnyOrderElementsOf(retryable);
    List<Row> resent = runs.calls(runs.lastRunId());
    assertThat(resent).hasSize(retryable.size());
    for (Row r : resent) {
      assertThat(str(r, "status")).isEqualTo(expected.get(itemKeyOf(r)));
    }
    assertThat(second.status()).isEqualTo("succeeded");
    assertThat(runs.table(Table.SUMMARIES).count()).isEqualTo(runs.table(Table.SUMMARIES).select("item_id").distinct().count());

    fake.server().clearSeen();
    assertThat(runs.run(DAY2).get("calls")).isZero();
    assertThat(fake.server().seen()).isEmpty();
    runs.assertSecretNowhere(SECRET);
  }
}
