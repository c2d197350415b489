package io.flywheel.job;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.config.ConfigLoader;
import io.flywheel.feedback.FeedbackJob;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.FeedbackGenerator;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.generate.GenerateJob;
import io.flywheel.generate.PurchaseGenerator;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.ShadowRun;
import io.flywheel.summarize.SummarizeJob;
import io.flywheel.table.Table;
import io.flywheel.testing.FeedbackFixture;
import io.flywheel.testing.TestSpark;
import java.io.IOException;
import java.sql.Date;
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
  private static final String SHADOW = "contract";
  /** Each job's one successful run, shared by the tests (a real run is the slow part of each). */
  @TempDir static Path succeeded;
  private static final Map<String, String> SUCCEEDED_RUN_IDS = new java.util.HashMap<>();

  @BeforeAll
  static void generate() {
    SparkSession s = TestSpark.session();
    GenerateJob.catalog(s, 120, new CatalogGenerator(5, 0, 1))
        .write().format("delta").mode("overwrite").save(inputs.resolve("catalog").toString());
    GenerateJob.purchases(s, 20, new PurchaseGenerator(9, 120))
        .write().format("delta").mode("overwrite").save(inputs.resolve("purchases").toString());
    FeedbackGenerator.write(FeedbackFixture.calls(s, 60), 3, inputs.resolve("feedback_events").toString());
    // The skew job's two sides: small dev sets of one distribution, prod read as a table.
    SkewGenerator skew = new SkewGenerator(5, PromptCatalog.load(TestSpark.confDir().resolve("prompts")).get(SkewGenerator.PROMPT_ID));
    skew.devSet(s, SkewGenerator.Side.CONTROL_DEV, 60, SkewGenerator.BASE)
        .write().format("delta").mode("overwrite").save(inputs.resolve("skew_dev").toString());
    skew.devSet(s, SkewGenerator.Side.CONTROL_PROD, 80, SkewGenerator.BASE)
        .write().format("delta").mode("overwrite").save(inputs.resolve("skew_prod").toString());
    // eval-assert's target: outputs to check, one of them missing.
    s.createDataFrame(List.of(
            RowFactory.create("a", "{\"description\":\"A kettle of 1.5 litres.\"}", "{\"summary\":\"A kettle of 1.5 litres.\",\"key_features\":[]}"),
            RowFactory.create("b", "{\"description\":\"A quiet fan.\"}", "{\"summary\":\"A quiet fan for small rooms.\",\"key_features\":[]}"),
            RowFactory.create("c", "{\"description\":\"A lamp.\"}", null)),
        org.apache.spark.sql.types.StructType.fromDDL("item_id STRING, input STRING, output STRING"))
        .write().format("delta").mode("overwrite").save(inputs.resolve("eval_target").toString());
    // eval-judge's second side: the same inputs, other outputs (the first side is eval-assert's target).
    s.createDataFrame(List.of(
            RowFactory.create("a", "{\"description\":\"A kettle of 1.5 litres.\"}", "{\"summary\":\"A kettle.\",\"key_features\":[]}"),
            RowFactory.create("b", "{\"description\":\"A quiet fan.\"}", "{\"summary\":\"A fan.\",\"key_features\":[]}")),
        org.apache.spark.sql.types.StructType.fromDDL("item_id STRING, input STRING, output STRING"))
        .write().format("delta").mode("overwrite").save(inputs.resolve("eval_target_b").toString());
    // review-sample's answers: about a call no sample holds, so none can be recorded.
    try {
      Files.writeString(inputs.resolve("review_answers.json"),
          "[{\"run_date\":\"" + DAY + "\",\"call_id\":\"no-such-call\",\"question\":\"useful\",\"answer\":true}]");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Jobs whose only inputs are tables of the warehouse (what other jobs wrote). */
  private static boolean readsOnlyItsWarehouse(Job job) {
    return List.of("shadow-report", "judge-calibration").contains(job.name());
  }

  /** A job that calls no model is judged on its own inputs, not on calls. */
  private static boolean callsAModel(Job job) {
    return job.tables().contains(Table.LLM_CALLS);
  }

  /**
   * What a job needs in its warehouse before a real run: the feedback jobs read the calls the feedback
   * is about (llm_calls), and export-dataset the datasets the feedback job makes of them. (Not for dry
   * runs on an empty warehouse: those must leave it empty.)
   */
  private void prepare(Job job, Path dir) {
    if (job.name().equals("feedback") || job.name().equals("export-dataset") || job.name().equals("review-sample")) {
      FeedbackFixture.writeCalls(spark, dir.resolve("warehouse").toString(), 60);
    }
    if (job.name().equals("judge-calibration")) {
      // Reviewers' answers for the judge to be asked about.
      Timestamp at = Timestamp.valueOf("2026-11-28 12:00:00");
      List<Row> answered = List.of(
          RowFactory.create(Date.valueOf(DAY), "c1", "useful", "summarize", "ok", "summarize/ok", "sample", "Useful?",
              "{\"description\":\"A lamp.\"}", "A lamp.", null, true, "contract", at, null, "review", at),
          RowFactory.create(Date.valueOf(DAY), "c2", "useful", "summarize", "ok", "summarize/ok", "sample", "Useful?",
              "{\"description\":\"A fan.\"}", "A fan.", null, false, "contract", at, null, "review", at));
      spark.createDataFrame(answered, Table.REVIEW_QUEUE.schema()).write().format("delta").mode("overwrite")
          .save(dir.resolve("warehouse").resolve(Table.REVIEW_QUEUE.tableName()).toString());
    }
    if (job.name().equals("shadow-report")) {
      // Production: a copy of summarize's real run; then a shadow of 10 of its items with other decoding.
      copyTree(succeededRun(Jobs.byName("summarize").orElseThrow()).resolve("warehouse"), dir.resolve("warehouse"));
      List<String> sets = TestSpark.baseSets(dir);
      sets.addAll(commonSets());
      sets.add("summarize.shadow=" + SHADOW);
      ConfigLoader.Loaded loaded = ShadowRun.resolve(ConfigLoader.load(null, Map.of(), sets),
          extra -> ConfigLoader.load(null, Map.of(), java.util.stream.Stream.concat(sets.stream(), extra.stream()).toList()));
      RunContext shadow = new RunContext("summarize", "summarize-shadow-" + System.nanoTime(), DAY, false, loaded, spark,
          new io.flywheel.table.Warehouse(spark, loaded.config().warehouse().root(), ""), Instant.now());
      assertThat(JobRunner.run(new SummarizeJob(), shadow).status()).isEqualTo("succeeded");
    }
    if (job.name().equals("export-dataset")) {
      FeedbackJob feedback = new FeedbackJob();
      assertThat(JobRunner.run(feedback, context(feedback, dir, false)).status()).isEqualTo("succeeded");
    }
  }

  /** Settings under which a run of {@code job} fails after committing what it did. */
  private static String[] failingSets(Job job) {
    return switch (job.name()) {
      // Every generated batch has planted messy events: any rejected share fails a ratio of 0.
      case "feedback" -> new String[] {"feedback.max_failure_ratio=0"};
      // Examples written under a token limit of 2048 are refused by an export limited to 20 tokens.
      case "export-dataset" -> new String[] {"feedback.max_tokens=20", "feedback.export.max_failure_ratio=0"};
      // One of the three target rows has no output.
      case "eval-assert" -> new String[] {"eval.assert.max_failure_ratio=0"};
      case "review-sample" -> new String[] {"eval.review.answers=" + inputs.resolve("review_answers.json"),
          "eval.review.reviewer=contract", "eval.review.max_failure_ratio=0"};
      // Every call fails (nothing listens on port 9).
      default -> new String[] {"llm.provider=openai", "llm.base_url=http://127.0.0.1:9/v1", "llm.max_attempts=1",
          "llm.connect_timeout_ms=500", "recommend.max_attempts=1"};
    };
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private RunContext context(Job job, Path dir, boolean dryRun, String... sets) {
    List<String> all = commonSets();
    all.addAll(List.of(sets));
    return TestSpark.context(job.name(), dir, DAY, dryRun, all);
  }

  /** The settings every job's runs here share: the generated inputs, small sizes, the shadow run. */
  private static List<String> commonSets() {
    return new ArrayList<>(List.of(
        "catalog.path=" + inputs.resolve("catalog"),
        "recommend.purchases_path=" + inputs.resolve("purchases"),
        "recommend.call_partitions=2",
        "feedback.events_path=" + inputs.resolve("feedback_events"),
        "feedback.max_tokens=2048",
        "skew.dev.path=" + inputs.resolve("skew_dev"),
        "skew.prod.source=table",
        "skew.prod.path=" + inputs.resolve("skew_prod"),
        "skew.embed.sample_per_side=40",
        "skew.nondeterminism.sample=5",
        "skew.clusters.k=3",
        "eval.assert.target=" + inputs.resolve("eval_target"),
        "eval.judge.a.target=" + inputs.resolve("eval_target"),
        "eval.judge.b.target=" + inputs.resolve("eval_target_b"),
        "summarize.shadows." + SHADOW + ".sample_fraction=0.2",
        "summarize.shadows." + SHADOW + ".max_items=10",
        "summarize.shadows." + SHADOW + ".set.summarize.decoding.max_output_tokens=40",
        "eval.shadow_report.shadow=" + SHADOW));
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

  /**
   * The warehouse of {@code job}'s one successful run on the generated inputs (run at the first call):
   * the dry-run test runs the job again over it, the runs-row test reads its {@code runs} row.
   */
  private Path succeededRun(Job job) {
    Path dir = succeeded.resolve(job.name());
    SUCCEEDED_RUN_IDS.computeIfAbsent(job.name(), name -> {
      prepare(job, dir);
      RunContext ok = context(job, dir, false);
      assertThat(JobRunner.run(job, ok).status()).isEqualTo("succeeded");
      return ok.runId();
    });
    return dir;
  }

  @Test
  void aDryRunOfEveryJobLeavesTheWarehouseByteForByteUnchanged(@TempDir Path dir) {
    assertThat(Jobs.ALL).extracting(Job::name).contains("summarize", "recommend");
    for (Job job : Jobs.ALL) {
      Path fresh = dir.resolve(job.name() + "-fresh");
      if (readsOnlyItsWarehouse(job)) {
        // Its inputs are the warehouse's own tables: planned on an empty one, nothing to do (or a clear
        // error naming what is missing), then planned on a prepared one.
        try {
          assertThat(JobRunner.run(job, context(job, fresh, true)).get("plan_calls")).isZero();
        } catch (io.flywheel.config.ConfigException e) {
          assertThat(e.getMessage()).as(job.name()).contains("key '");
        }
        assertThat(files(fresh.resolve("warehouse"))).as(job.name() + " on an empty warehouse").isEmpty();
        prepare(job, fresh);
      }
      Map<String, String> freshFiles = files(fresh.resolve("warehouse"));
      RunLog planned = JobRunner.run(job, context(job, fresh, true));
      assertThat(planned.status()).isEqualTo("dry_run");
      if (callsAModel(job)) {
        assertThat(planned.get("plan_calls")).as(job.name() + " plans calls").isPositive();
      }
      assertThat(files(fresh.resolve("warehouse"))).as(job.name() + " on an empty (or just prepared) warehouse").isEqualTo(freshFiles);

      Path used = succeededRun(job);
      Map<String, String> before = files(used.resolve("warehouse"));
      assertThat(before).isNotEmpty();
      JobRunner.run(job, context(job, used, true));
      assertThat(files(used.resolve("warehouse"))).as(job.name() + " after a real run").isEqualTo(before);
    }
  }

  @Test
  void everyJobWritesExactlyOneFinalRunsRowWhenItSucceedsAndWhenItFails(@TempDir Path dir) {
    for (Job job : Jobs.ALL) {
      Path ok = succeededRun(job);
      List<Row> okRows = runsRows(ok, SUCCEEDED_RUN_IDS.get(job.name()));
      assertThat(okRows).hasSize(1);
      assertThat(okRows.get(0).<String>getAs("status")).isEqualTo("succeeded");
      assertThat(okRows.get(0).<Timestamp>getAs("ended_at")).isNotNull();
      assertThat(okRows.get(0).<String>getAs("job")).isEqualTo(job.name());

      // The run commits what it did, then fails.
      prepare(job, dir.resolve(job.name() + "-bad"));
      RunContext bad = context(job, dir.resolve(job.name() + "-bad"), false, failingSets(job));
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
