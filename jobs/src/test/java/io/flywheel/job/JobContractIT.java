package io.flywheel.job;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.generate.PurchaseGenerator;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the runner guarantees for every registered job, checked on each job of {@link Jobs#ALL}. */
class JobContractIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private final SparkSession spark = TestSpark.session();

  @TempDir static Path inputs;

  @BeforeAll
  static void generate() {
    SparkSession s = TestSpark.session();
    GenerateJob.catalog(s, 120, new CatalogGenerator(5, 0, 1))
        .write().format("delta").mode("overwrite").save(inputs.resolve("catalog").toString());
    GenerateJob.purchases(s, 20, new PurchaseGenerator(9, 120))
        .write().format("delta").mode("overwrite").save(inputs.resolve("purchases").toString());
    // The skew job's two sides: small dev sets of one distribution, prod read as a table.
    SkewGenerator skew = new SkewGenerator(5, PromptCatalog.load(TestSpark.confDir().resolve("prompts")).get(SkewGenerator.PROMPT_ID));
    skew.devSet(s, SkewGenerator.Side.CONTROL_DEV, 60, SkewGenerator.BASE)
        .write().format("delta").mode("overwrite").save(inputs.resolve("skew_dev").toString());
    skew.devSet(s, SkewGenerator.Side.CONTROL_PROD, 80, SkewGenerator.BASE)
        .write().format("delta").mode("overwrite").save(inputs.resolve("skew_prod").toString());
  }

  /** Jobs that call a model: the plan counts calls and every call can fail. */
  private static boolean callsModel(Job job) {
    return job.tables().contains(Table.LLM_CALLS);
  }

  private RunContext context(Job job, Path dir, boolean dryRun, String... sets) {
    List<String> all = new ArrayList<>(List.of(
        "catalog.path=" + inputs.resolve("catalog"),
        "recommend.purchases_path=" + inputs.resolve("purchases"),
        "recommend.call_partitions=2",
        "skew.dev.path=" + inputs.resolve("skew_dev"),
        "skew.prod.source=table",
        "skew.prod.path=" + inputs.resolve("skew_prod")));
    all.addAll(List.of(sets));
    return TestSpark.context(job.name(), dir, DAY, dryRun, all);
  }

  /** Every file under {@code dir} (relative path) with its size and last-modified time. */
  private static Map<String, String> files(Path dir) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile).forEach(p -> {
        try {
          out.put(dir.relativize(p).toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis()
              + "#" + java.util.Arrays.hashCode(Files.readAllBytes(p)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private List<Row> runsRows(Path dir, String runId) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve("runs").toString())
        .where(col("run_id").equalTo(runId)).collectAsList();
  }

  @Test
  void aDryRunOfEveryJobLeavesTheWarehouseByteForByteUnchanged(@TempDir Path dir) {
    assertThat(Jobs.ALL).extracting(Job::name).contains("summarize", "recommend");
    for (Job job : Jobs.ALL) {
      Path fresh = dir.resolve(job.name() + "-fresh");
      RunLog planned = JobRunner.run(job, context(job, fresh, true));
      assertThat(planned.status()).isEqualTo("dry_run");
      if (callsModel(job)) {
        assertThat(planned.get("plan_calls")).as(job.name() + " plans calls").isPositive();
      }
      assertThat(files(fresh.resolve("warehouse"))).as(job.name() + " on an empty warehouse").isEmpty();

      Path used = dir.resolve(job.name() + "-used");
      assertThat(JobRunner.run(job, context(job, used, false)).status()).isEqualTo("succeeded");
      Map<String, String> before = files(used.resolve("warehouse"));
      assertThat(before).isNotEmpty();
      JobRunner.run(job, context(job, used, true));
      assertThat(files(used.resolve("warehouse"))).as(job.name() + " after a real run").isEqualTo(before);
    }
  }

  @Test
  void everyJobWritesExactlyOneFinalRunsRowWhenItSucceedsAndWhenItFails(@TempDir Path dir) {
    for (Job job : Jobs.ALL) {
      RunContext ok = context(job, dir.resolve(job.name() + "-ok"), false);
      JobRunner.run(job, ok);
      List<Row> okRows = runsRows(dir.resolve(job.name() + "-ok"), ok.runId());
      assertThat(okRows).hasSize(1);
      assertThat(okRows.get(0).<String>getAs("status")).isEqualTo("succeeded");
      assertThat(okRows.get(0).<Timestamp>getAs("ended_at")).isNotNull();
      assertThat(okRows.get(0).<String>getAs("job")).isEqualTo(job.name());
      if (!callsModel(job)) {
        continue;
      }

      // Every call fails (nothing listens on port 9): the run commits what it did, then fails.
      RunContext bad = context(job, dir.resolve(job.name() + "-bad"), false, "llm.provider=openai",
          "llm.base_url=http://127.0.0.1:9/v1", "llm.max_attempts=1", "llm.connect_timeout_ms=500",
          "recommend.max_attempts=1");
      RunLog failed = JobRunner.run(job, bad);
      assertThat(failed.status()).isEqualTo("failed");
      List<Row> badRows = runsRows(dir.resolve(job.name() + "-bad"), bad.runId());
      assertThat(badRows).hasSize(1);
      assertThat(badRows.get(0).<String>getAs("status")).isEqualTo("failed");
      assertThat(badRows.get(0).<String>getAs("message")).contains("exceeds max_failure_ratio");
    }
  }

  @Test
  void theNextRunOfAJobMarksItsStaleRunningRowsAbandonedAndLeavesLiveOnesAlone(@TempDir Path dir) {
    Job job = Jobs.byName("summarize").orElseThrow();
    RunContext ctx = context(job, dir, false);
    ctx.warehouse().ensure(Table.RUNS);
    Instant now = Instant.now();
    List<Row> rows = List.of(
        runningRow("summarize", "killed-long-ago", now.minusSeconds(7200), null),
        runningRow("summarize", "alive", now.minusSeconds(7200), now.minusSeconds(5)),
        runningRow("recommend", "other-job", now.minusSeconds(7200), null));
    spark.createDataFrame(rows, Table.RUNS.schema()).write().format("delta").mode("append")
        .save(ctx.warehouse().path(Table.RUNS));

    RunLog log = JobRunner.run(job, ctx);

    assertThat(log.get("runs_marked_abandoned")).isEqualTo(1);
    Row killed = runsRows(dir, "killed-long-ago").get(0);
    assertThat(killed.<String>getAs("status")).isEqualTo("abandoned");
    assertThat(killed.<Timestamp>getAs("ended_at")).isNotNull();
    assertThat(killed.<String>getAs("message")).contains("marked by run " + ctx.runId());
    assertThat(runsRows(dir, "alive").get(0).<String>getAs("status")).isEqualTo("running");
    assertThat(runsRows(dir, "other-job").get(0).<String>getAs("status")).as("another job's row").isEqualTo("running");
  }

  @Test
  void aRunningRowGetsAHeartbeatUntilTheRunEnds(@TempDir Path dir) throws InterruptedException {
    Job job = Jobs.byName("summarize").orElseThrow();
    RunContext ctx = context(job, dir, false, "run.heartbeat_seconds=1", "run.stale_after_seconds=2");
    RunLog log = new RunLog(ctx);
    log.started();
    Timestamp first = runsRows(dir, ctx.runId()).get(0).getAs("heartbeat_at");
    Timestamp later = first;
    for (int i = 0; i < 300 && !later.after(first); i++) {
      Thread.sleep(100);
      later = runsRows(dir, ctx.runId()).get(0).getAs("heartbeat_at");
    }
    assertThat(later).as("heartbeat refreshed within 30 s").isAfter(first);
    log.end("succeeded", null);
    Row done = runsRows(dir, ctx.runId()).get(0);
    assertThat(done.<String>getAs("status")).isEqualTo("succeeded");
    assertThat(done.<Timestamp>getAs("heartbeat_at")).as("the last sign of life is the end").isEqualTo(done.<Timestamp>getAs("ended_at"));
  }

  private static Row runningRow(String job, String runId, Instant started, Instant heartbeat) {
    return RowFactory.create(job, runId, java.sql.Date.valueOf(DAY), "hash", "test", Timestamp.from(started), null,
        "running", scala.jdk.javaapi.CollectionConverters.asScala(new java.util.HashMap<String, Long>()), 0L, 0L, 0.0,
        null, heartbeat == null ? null : Timestamp.from(heartbeat));
  }
}
