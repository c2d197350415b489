package io.flywheel.bench;

import static org.apache.spark.sql.functions.col;

import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.CallOutcome;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.LlmClients;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.Message;
import io.flywheel.llm.RetryingCaller;
import io.flywheel.run.SparkSessions;
import io.flywheel.summarize.SummaryCalls;
import io.flywheel.testing.FakeLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the provider path (run it with {@code bench/providers [items] [concurrencies]}): the
 * summarize job against the fake OpenAI server with 200 ms latency and a limit of 3,000 requests
 * per minute it enforces itself, at several {@code llm.max_concurrency} settings. For each it
 * prints the achieved requests per second as a fraction of the limit, the 429s received and the
 * p50/p99 call latency, beside a baseline measured in the same run: the same caller driven by a
 * plain thread pool, without Spark.
 */
public final class ProvidersBench {
  private static final int LIMIT = 3000;
  private static final long LATENCY_MS = 200;
  private static final String MODEL = "gpt-bench-2024-07-18";
  private static final String KEY = "sk-bench-not-a-real-key-000000";

  private ProvidersBench() {}

  public static void main(String[] args) throws Exception {
    long items = args.length > 0 ? Long.parseLong(args[0]) : 1500;
    int[] concurrencies = Arrays.stream((args.length > 1 ? args[1] : "4,8,16,32").split(",")).mapToInt(Integer::parseInt).toArray();
    Path dir = Path.of(args.length > 2 ? args[2] : "target/bench-providers").toAbsolutePath();
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("api-key");
    Files.writeString(keyFile, KEY);
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-providers");
    List<String[]> rows = new ArrayList<>();
    try (FakeLlmServer server = FakeLlmServer.start()) {
      server.requireKey(KEY).latencyMs(LATENCY_MS).limitPerMinute(LIMIT, true);
      List<String> common = List.of("catalog.path=" + dir.resolve("catalog"),
          "llm.provider=openai", "llm.model=" + MODEL, "llm.base_url=" + server.openAiBaseUrl(),
          "llm.api_key_file=" + keyFile, "llm.rate_limit.requests_per_minute=" + LIMIT, "llm.max_attempts=5",
          "summarize.batch_size=" + items);
      SummarizeBench.job("generate", common, "--items", Long.toString(items), "--seed", "42");

      rows.add(baseline(server, common, 16, (int) Math.min(items, 1000)));
      for (int c : concurrencies) {
        List<String> sets = new ArrayList<>(common);
        sets.add("warehouse.root=" + dir.resolve("warehouse-c" + c));
        sets.add("llm.max_concurrency=" + c);
        server.clearSeen();
        long t0 = System.nanoTime();
        SummarizeBench.job("summarize", sets, "--run-date", "2026-11-28");
        double wall = (System.nanoTime() - t0) / 1e9;
        List<Long> latencies = spark.read().format("delta").load(dir.resolve("warehouse-c" + c).resolve("llm_calls").toString())
            .select(col("latency_ms")).collectAsList().stream().map(r -> r.getLong(0)).sorted().toList();
        rows.add(row("summarize job, max_concurrency " + c, server.seen(), latencies, wall));
      }
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "fake server: %d ms latency, limit %d requests/min (%.1f/s); %d catalog items%n",
        LATENCY_MS, LIMIT, LIMIT / 60.0, items);
    System.out.printf(Locale.ROOT, "%-40s %8s %8s %9s %9s %6s %8s %8s%n",
        "setting", "requests", "wall s", "req/s", "of limit", "429s", "p50 ms", "p99 ms");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "%-40s %8s %8s %9s %9s %6s %8s %8s%n", (Object[]) r);
    }
    spark.stop();
  }

  /** The JVM's caller alone, driven by {@code threads} threads with no Spark around it. */
  private static String[] baseline(FakeLlmServer server, List<String> common, int threads, int requests) throws Exception {
    List<String> sets = new ArrayList<>(common);
    sets.add("llm.max_concurrency=" + threads);
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), sets).config().llm();
    RetryingCaller caller = LlmClients.caller(llm, 1, "bench-baseline");
    server.clearSeen();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<CallOutcome>> pending = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      LlmRequest r = new LlmRequest(MODEL, List.of(Message.user("baseline request " + i)), SummaryCalls.SCHEMA,
          new DecodingParams(0, 1, 160, 0));
      pending.add(pool.submit(() -> caller.call(r)));
    }
    List<Long> latencies = new ArrayList<>();
    for (Future<CallOutcome> f : pending) {
      latencies.add(f.get().latencyMillis());
    }
    pool.shutdown();
    double wall = (System.nanoTime() - t0) / 1e9;
    return row("baseline: caller alone, " + threads + " threads", server.seen(), latencies.stream().sorted().toList(), wall);
  }

  private static String[] row(String setting, List<FakeLlmServer.Seen> seen, List<Long> sortedLatencies, double wall) {
    long first = seen.stream().mapToLong(FakeLlmServer.Seen::arrivedNanos).min().orElse(0);
    long last = seen.stream().mapToLong(FakeLlmServer.Seen::arrivedNanos).max().orElse(0);
    double rps = seen.size() > 1 ? (seen.size() - 1) / ((last - first) / 1e9) : 0;
    long limited = seen.stream().filter(s -> s.status() == 429).count();
    return new String[] {
      setting, Integer.toString(seen.size()), String.format(Locale.ROOT, "%.1f", wall),
      String.format(Locale.ROOT, "%.1f", rps), String.format(Locale.ROOT, "%.0f%%", 100 * rps / (LIMIT / 60.0)),
      Long.toString(limited), Long.toString(percentile(sortedLatencies, 0.50)), Long.toString(percentile(sortedLatencies, 0.99))
    };
  }

  private static long percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }
}
