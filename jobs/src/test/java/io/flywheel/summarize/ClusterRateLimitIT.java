package io.flywheel.summarize;

import static io.flywheel.testing.ProviderRuns.str;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.table.Table;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.StandaloneCluster;
import io.flywheel.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the summarize job on a real Spark standalone cluster (a master and two one-core workers
 * started here from the test classpath, on 127.0.0.1) against the fake OpenAI server, which
 * enforces the job's own per-minute limit: the two executors keep to it together (no 429, and the
 * arrivals the server recorded are spaced at least as the limit requires), both call at the same
 * time, and each executor JVM creates one client. Throughput (how close to the limit the job gets)
 * is measured by {@code bench/providers}, not asserted here.
 */
class ClusterRateLimitIT {
  private static final String SECRET = "sk-flywheel-cluster-SECRET-c0ffee42";
  private static final int LIMIT_PER_MINUTE = 600;
  private static final Pattern CLIENT = Pattern.compile("\\(client (\\d+)-(\\d+)\\)");

  private final SparkSession spark = TestSpark.session();
  private StandaloneCluster cluster;
  private FakeLlmServer server;

  @TempDir Path dir;

  @AfterEach
  void stopEverything() {
    if (cluster != null) {
      cluster.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void twoExecutorsShareTheJobsRateLimitAndEachCreatesOneClient() throws Exception {
    server = FakeLlmServer.start().requireKey(SECRET).latencyMs(50).limitPerMinute(LIMIT_PER_MINUTE, true);
    GenerateJob.catalog(spark, 130, new CatalogGenerator(17, 0, 1))
        .write().format("delta").save(dir.resolve("catalog").toString());
    Path keyFile = dir.resolve("api-key");
    Files.writeString(keyFile, SECRET);
    cluster = StandaloneCluster.start(dir, 2, "1536m");

    Path driverLog = dir.resolve("driver.log");
    List<String> submit = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
        "--master", cluster.masterUrl(), "--deploy-mode", "client",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", TestSpark.jvmFlags()) + " "
            + String.join(" ", StandaloneCluster.SHORT_LIVED_JVM),
        "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2", "--conf", "spark.executor.memory=1g",
        "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
        "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=4",
        "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "--class", "io.flywheel.Main", cluster.jobsJar().toString(),
        "summarize", "--run-date", "2026-12-03"));
    // The cluster's JVMs have the jobs module's classes on their classpath (StandaloneCluster).
    // And Delta's state of the tiny tables in 2 tasks, as the test session has it (TestSpark.SMALL_TABLES).
    java.util.stream.Stream.of(TestSpark.LOCAL_FILE_SYSTEM, TestSpark.SMALL_TABLES).flatMap(m -> m.entrySet().stream())
        .forEach(e -> submit.addAll(submit.indexOf("--class"), List.of("--conf", e.getKey() + "=" + e.getValue())));
    for (String set : List.of(
        "warehouse.root=" + dir.resolve("warehouse"), "catalog.path=" + dir.resolve("catalog"),
        "summarize.prompts_dir=" + TestSpark.confDir().resolve("prompts"), "summarize.call_partitions=4",
        "summarize.batch_size=5000", "llm.provider=openai", "llm.model=gpt-pinned-2024-07-18",
        "llm.base_url=" + server.openAiBaseUrl(), "llm.api_key_file=" + keyFile, "llm.max_concurrency=4",
        "llm.rate_limit.requests_per_minute=" + LIMIT_PER_MINUTE)) {
      submit.add("--set");
      submit.add(set);
    }
    List<String> driverJvm = new ArrayList<>(TestSpark.jvmFlags());
    driverJvm.addAll(StandaloneCluster.SHORT_LIVED_JVM);
    driverJvm.add("-Xmx1g");
    Process driver = cluster.java(driverLog, driverJvm, submit);
    assertThat(driver.waitFor(1200, TimeUnit.SECONDS)).as("driver finished; log: %s", StandaloneCluster.tail(driverLog)).isTrue();
    String driverOut = Files.readString(driverLog);
    assertThat(driver.exitValue()).as("driver exit code; log: %s", StandaloneCluster.tail(driverLog)).isZero();
    assertThat(driverOut).contains("rate limit shared by 2 executor JVMs: each paces itself to 300.0 requests/min");

    List<FakeLlmServer.Seen> seen = server.seen();
    List<Row> calls = spark.read().format("delta").load(dir.resolve("warehouse").resolve(Table.LLM_CALLS.tableName()).toString())
        .collectAsList();
    assertThat(calls).isNotEmpty().allSatisfy(r -> assertThat(str(r, "status")).isIn("ok", "guardrail_rejected"));
    assertThat(seen).hasSize(calls.size());
    assertThat(server.count(429)).as("429s from the server's own limit").isZero();

    // Each executor JVM created exactly one client, and both executors called.
    Map<String, Set<String>> clientsByPid = new TreeMap<>();
    Map<String, List<Long>> arrivalsByPid = new HashMap<>();
    for (FakeLlmServer.Seen s : seen) {
      Matcher m = CLIENT.matcher(s.userAgent());
      assertThat(m.find()).as(s.userAgent()).isTrue();
      clientsByPid.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
      arrivalsByPid.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(s.arrivedNanos());
    }
    assertThat(clientsByPid).hasSize(2).doesNotContainKey(Long.toString(ProcessHandle.current().pid()));
    assertThat(clientsByPid.values()).allSatisfy(serials -> assertThat(serials).hasSize(1));

    // No faster than the limit: the server saw the requests of both executors spaced by at least
    // 1/10 s on average, and those of each executor by at least its share's 1/5 s. (Spacing the
    // server recorded is the job's behaviour; a slow machine only spaces them more.)
    long nanosPerRequest = 60_000_000_000L / LIMIT_PER_MINUTE;
    assertThat(span(seen.stream().map(FakeLlmServer.Seen::arrivedNanos).toList()))
        .as("nanoseconds from the first to the last request, both executors")
        .isGreaterThanOrEqualTo((long) ((seen.size() - 1) * nanosPerRequest / 1.05));
    for (List<Long> arrivals : arrivalsByPid.values()) {
      assertThat(arrivals.size()).isGreaterThan(20);
      assertThat(span(arrivals)).as("nanoseconds from the first to the last request, one executor")
          .isGreaterThanOrEqualTo((long) ((arrivals.size() - 1) * 2 * nanosPerRequest / 1.1));
    }
    // At the same time: each executor sent at least 10 requests while the other was sending.
    long overlapStart = arrivalsByPid.values().stream().mapToLong(a -> a.stream().mapToLong(Long::longValue).min().getAsLong()).max().getAsLong();
    long overlapEnd = arrivalsByPid.values().stream().mapToLong(a -> a.stream().mapToLong(Long::longValue).max().getAsLong()).min().getAsLong();
    for (List<Long> arrivals : arrivalsByPid.values()) {
      assertThat(arrivals.stream().filter(t -> t >= overlapStart && t <= overlapEnd).count())
          .as("requests of one executor while the other was sending").isGreaterThanOrEqualTo(10);
    }

    // The key is in no log of the cluster.
    List<Path> logs = new ArrayList<>(List.of(dir.resolve("master.log"), driverLog, dir.resolve("worker-0.log"),
        dir.resolve("worker-1.log")));
    try (Stream<Path> files = Files.walk(dir.resolve("work-0")); Stream<Path> more = Files.walk(dir.resolve("work-1"))) {
      Stream.concat(files, more).filter(Files::isRegularFile).filter(f -> f.getFileName().toString().matches("stdout|stderr"))
          .forEach(logs::add);
    }
    assertThat(logs.size()).isGreaterThanOrEqualTo(6);
    for (Path log : logs) {
      assertThat(Files.readString(log, StandardCharsets.ISO_8859_1)).as("%s", log).doesNotContain(SECRET);
    }
  }

  /** Nanoseconds between the first and the last arrival the server recorded. */
  private static long span(List<Long> arrivals) {
    long first = arrivals.stream().mapToLong(Long::longValue).min().getAsLong();
    long last = arrivals.stream().mapToLong(Long::longValue).max().getAsLong();
    return last - first;
  }
}
