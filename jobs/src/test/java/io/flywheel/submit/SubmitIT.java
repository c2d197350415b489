package io.flywheel.submit;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.FeedbackGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.generate.PurchaseGenerator;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.job.Job;
import io.flywheel.job.Jobs;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.table.Table;
import io.flywheel.testing.FeedbackFixture;
import io.flywheel.testing.StandaloneCluster;
import io.flywheel.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submits every registered job through Spark's own {@code SparkSubmit} (a separate driver JVM per
 * submission) to a standalone master with two workers on 127.0.0.1, with exactly the arguments
 * {@link SubmitCommand} makes; each run exits 0, writes a {@code succeeded} row to {@code runs}, and
 * ran an executor on both workers. The jobs run in two lanes at once, each in pipeline order in a
 * warehouse of its own (one writer per warehouse, as the Airflow pool keeps it): the cluster runs two
 * applications side by side. Alone on two cores the test took 518 s (782 s before Delta rebuilt the
 * tiny tables' state in 2 tasks instead of 50; 940 s before its cluster interpreted expressions; 14
 * minutes in a row, in an earlier state, before the driver and executors ran with the client JIT
 * compiler only; docs/testing.md).
 */
class SubmitIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private static final String SHADOW = "submitted";

  @TempDir static Path dir;
  private static StandaloneCluster cluster;
  private final SparkSession spark = TestSpark.session();

  @BeforeAll
  static void startClusterAndGenerateInputs() throws Exception {
    SparkSession s = TestSpark.session();
    Path in = dir.resolve("inputs");
    GenerateJob.catalog(s, 30, new CatalogGenerator(5, 0, 1))
        .write().format("delta").save(in.resolve("catalog").toString());
    GenerateJob.purchases(s, 8, new PurchaseGenerator(9, 30)).write().format("delta").save(in.resolve("purchases").toString());
    FeedbackGenerator.write(FeedbackFixture.calls(s, 60), 3, in.resolve("feedback_events").toString());
    SkewGenerator skew = new SkewGenerator(5, PromptCatalog.load(TestSpark.confDir().resolve("prompts")).get(SkewGenerator.PROMPT_ID));
    skew.devSet(s, SkewGenerator.Side.CONTROL_DEV, 40, SkewGenerator.BASE).write().format("delta").save(in.resolve("skew_dev").toString());
    skew.devSet(s, SkewGenerator.Side.CONTROL_PROD, 50, SkewGenerator.BASE).write().format("delta").save(in.resolve("skew_prod").toString());
    StructType target = StructType.fromDDL("item_id STRING, input STRING, output STRING");
    s.createDataFrame(List.of(
            RowFactory.create("a", "{\"description\":\"A kettle of 1.5 litres.\"}", "{\"summary\":\"A kettle of 1.5 litres.\",\"key_features\":[]}"),
            RowFactory.create("b", "{\"description\":\"A quiet fan.\"}", "{\"summary\":\"A quiet fan for small rooms.\",\"key_features\":[]}")),
        target).write().format("delta").save(in.resolve("eval_target").toString());
    s.createDataFrame(List.of(
            RowFactory.create("a", "{\"description\":\"A kettle of 1.5 litres.\"}", "{\"summary\":\"A kettle.\",\"key_features\":[]}"),
            RowFactory.create("b", "{\"description\":\"A quiet fan.\"}", "{\"summary\":\"A fan.\",\"key_features\":[]}")),
        target).write().format("delta").save(in.resolve("eval_target_b").toString());
    // Two slots per worker: each application takes one executor of one core on each worker.
    cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 2, "2560m");
    // What a person's submit config holds for this small cluster (the generator adds the rest).
    Files.writeString(dir.resolve("submit.conf"), String.join("\n",
        "spark.driver.host 127.0.0.1", "spark.driver.bindAddress 127.0.0.1", "spark.executor.cores 1",
        "spark.cores.max 2", "spark.executor.memory 1g", "spark.scheduler.minRegisteredResourcesRatio 1.0",
        "spark.scheduler.maxRegisteredResourcesWaitingTime 120s", "spark.ui.enabled false",
        "spark.sql.shuffle.partitions 4", "")
        // The cluster's JVMs have the jobs module's classes on their classpath (StandaloneCluster). Test
        // settings beside what a person sets: Delta's state of the tiny tables in 2 tasks, not 50;
        // interpreted expressions, since each short-lived executor would compile every generated class
        // again (ClusterRateLimitIT and SummarizeCrashIT keep Spark's generated code on a cluster and
        // in a second JVM).
        + java.util.stream.Stream.of(TestSpark.LOCAL_FILE_SYSTEM, TestSpark.SMALL_TABLES, TestSpark.INTERPRETED)
            .flatMap(m -> m.entrySet().stream())
            .map(e -> e.getKey() + " " + e.getValue() + "\n").collect(java.util.stream.Collectors.joining()));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The job settings of every submission: tiny sizes, the generated inputs, the lane's warehouse. */
  private static List<String> jobArgs(Path warehouse, String job, String... more) {
    Path in = dir.resolve("inputs");
    List<String> sets = new ArrayList<>(TestSpark.baseSets(dir));
    sets.set(0, "warehouse.root=" + warehouse);
    sets.set(1, "catalog.path=" + in.resolve("catalog"));
    sets.addAll(List.of("recommend.purchases_path=" + in.resolve("purchases"), "recommend.call_partitions=2",
        "summarize.call_partitions=2", "feedback.events_path=" + in.resolve("feedback_events"), "feedback.max_tokens=2048",
        "skew.dev.path=" + in.resolve("skew_dev"), "skew.prod.source=table", "skew.prod.path=" + in.resolve("skew_prod"),
        "skew.embed.sample_per_side=30", "skew.nondeterminism.sample=5", "skew.clusters.k=3",
        "eval.assert.target=" + in.resolve("eval_target"), "eval.judge.a.target=" + in.resolve("eval_target"),
        "eval.judge.b.target=" + in.resolve("eval_target_b"),
        "summarize.shadows." + SHADOW + ".sample_fraction=0.3", "summarize.shadows." + SHADOW + ".max_items=8",
        "summarize.shadows." + SHADOW + ".set.summarize.decoding.max_output_tokens=40",
        "eval.shadow_report.shadow=" + SHADOW));
    List<String> args = new ArrayList<>(List.of(job, "--run-date", DAY.toString()));
    args.addAll(List.of(more));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    return args;
  }

  /**
   * Runs {@code job} through SparkSubmit in its own JVM with the generated line; returns the new
   * application's id after checking the exit code and that both workers ran one of its executors.
   */
  private static String submit(Path warehouse, String job, String... more) throws Exception {
    Path props = dir.resolve("submit.conf");
    List<String> all = jobArgs(warehouse, job, more);
    // Short-lived JVMs on two shared cores (StandaloneCluster.SHORT_LIVED_JVM). The executors get them
    // as a person adds options: a --conf after the generated ones, which keeps the Java 17 flags.
    String executorOptions = String.join(" ", SubmitCommand.JAVA_17_FLAGS) + " " + String.join(" ", StandaloneCluster.SHORT_LIVED_JVM);
    List<String> line = SubmitCommand.arguments(new SubmitCommand.Settings(cluster.masterUrl(), "client",
        cluster.jobsJar().toString(), props.toString(), null, null, null,
        Map.of("spark.executor.extraJavaOptions", executorOptions), all.get(0), all.subList(1, all.size())));
    // In client mode spark-submit's launcher starts the driver JVM with spark.driver.extraJavaOptions;
    // started here without the launcher, the driver JVM gets them the same way.
    String driverOptions = line.stream().filter(a -> a.startsWith("spark.driver.extraJavaOptions=")).findFirst().orElseThrow()
        .substring("spark.driver.extraJavaOptions=".length());
    List<String> jvm = new ArrayList<>(Arrays.asList(driverOptions.split(" ")));
    jvm.addAll(StandaloneCluster.SHORT_LIVED_JVM);
    jvm.add("-Xmx1g");
    List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit"));
    args.addAll(line);
    Path log = dir.resolve("driver-" + job + (more.length > 0 ? "-" + more[more.length - 1] : "") + ".log");
    long t0 = System.nanoTime();
    Process driver = cluster.java(log, jvm, args);
    assertThat(driver.waitFor(600, TimeUnit.SECONDS)).as("%s finished; log: %s", job, StandaloneCluster.tail(log)).isTrue();
    assertThat(driver.exitValue()).as("%s exit code; log: %s", job, StandaloneCluster.tail(log)).isZero();
    System.out.printf("SubmitIT: %s %s took %.1f s%n", job, String.join(" ", more), (System.nanoTime() - t0) / 1e9);
    java.util.regex.Matcher app = APP_ID.matcher(Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThat(app.find()).as("%s: the driver connected to the master; log: %s", job, StandaloneCluster.tail(log)).isTrue();
    for (int i = 0; i < cluster.workers(); i++) {
      assertThat(cluster.applicationsOnWorker(i)).as("%s: applications with an executor on worker %d", job, i)
          .contains(app.group(1));
    }
    return app.group(1);
  }

  /** What the driver logs when the master accepted the application (StandaloneSchedulerBackend). */
  private static final java.util.regex.Pattern APP_ID = java.util.regex.Pattern.compile("with app ID (app-[0-9-]+)");

  /** The statuses of {@code job}'s rows in the warehouse's {@code runs} table (none before the first run). */
  private List<String> runStatuses(Path warehouse, String job) {
    Path runs = warehouse.resolve(Table.RUNS.tableName());
    if (!Files.exists(runs)) {
      return List.of();
    }
    return TestSpark.rows(spark.read().format("delta").load(runs.toString())
            .where(col("job").equalTo(job)).select("status")).stream().map(r -> (String) r.get("status")).toList();
  }

  /** What a job needs in the warehouse that no earlier job of the pipeline wrote. */
  private void prepare(Path lane, String job) {
    String warehouse = lane.toString();
    if (job.equals("feedback")) {
      // The calls the generated feedback events are about, beside summarize's own.
      FeedbackFixture.calls(spark, 60).write().format("delta").mode("append")
          .partitionBy(Table.LLM_CALLS.partitionBy().toArray(String[]::new))
          .save(warehouse + "/" + Table.LLM_CALLS.tableName());
    }
    if (job.equals("judge-calibration")) {
      // Reviewers' answers to two of the day's sampled questions.
      Timestamp at = Timestamp.valueOf("2026-11-28 12:00:00");
      List<Row> answered = List.of(
          RowFactory.create(Date.valueOf(DAY), "c1", "useful", "summarize", "ok", "summarize/ok", "sample", "Useful?",
              "{\"description\":\"A lamp.\"}", "A lamp.", null, true, "submit", at, null, "review", at),
          RowFactory.create(Date.valueOf(DAY), "c2", "useful", "summarize", "ok", "summarize/ok", "sample", "Useful?",
              "{\"description\":\"A fan.\"}", "A fan.", null, false, "submit", at, null, "review", at));
      spark.createDataFrame(answered, Table.REVIEW_QUEUE.schema()).write().format("delta").mode("append")
          .partitionBy(Table.REVIEW_QUEUE.partitionBy().toArray(String[]::new))
          .save(warehouse + "/" + Table.REVIEW_QUEUE.tableName());
    }
  }

  @Test
  void everyJobRunsThroughSparkSubmitOnAStandaloneClusterWithTheGeneratedLine() throws Exception {
    // Two lanes, each in the realistic order: summarize (and a shadow run of it) first, then what reads
    // its tables; the feedback family beside it.
    List<List<String>> lanes = List.of(
        List.of("summarize", "shadow-report", "recommend", "skew"),
        List.of("feedback", "export-dataset", "review-sample", "judge-calibration", "eval-judge", "eval-assert"));
    assertThat(lanes.stream().flatMap(List::stream).sorted().toList()).as("every registered job, once")
        .isEqualTo(Jobs.ALL.stream().map(Job::name).sorted().toList());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(lanes.size());
    try {
      List<java.util.concurrent.Future<Map<String, String>>> running = new ArrayList<>();
      for (int i = 0; i < lanes.size(); i++) {
        Path warehouse = dir.resolve("warehouse-" + i);
        List<String> lane = lanes.get(i);
        running.add(pool.submit(() -> runLane(warehouse, lane)));
      }
      Map<String, String> apps = new LinkedHashMap<>();
      for (java.util.concurrent.Future<Map<String, String>> f : running) {
        apps.putAll(f.get(40, TimeUnit.MINUTES));
      }
      assertThat(apps).as("submissions").hasSize(Jobs.ALL.size() + 1);
      assertThat(new TreeSet<>(apps.values())).as("one application per submission").hasSize(apps.size());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Submits the lane's jobs in order into {@code warehouse}; returns each submission's application id. */
  private Map<String, String> runLane(Path warehouse, List<String> jobs) throws Exception {
    Map<String, String> apps = new LinkedHashMap<>();
    for (String job : jobs) {
      if (job.equals("shadow-report")) {
        apps.put("summarize --shadow", submit(warehouse, "summarize", "--shadow", SHADOW));
      }
      prepare(warehouse, job);
      int succeededBefore = (int) runStatuses(warehouse, job).stream().filter("succeeded"::equals).count();
      apps.put(job, submit(warehouse, job));
      List<String> statuses = runStatuses(warehouse, job);
      assertThat(statuses).as("%s: runs rows", job).isNotEmpty().doesNotContain("failed", "running");
      assertThat(statuses.stream().filter("succeeded"::equals).count()).as("%s: succeeded runs rows", job)
          .isEqualTo(succeededBefore + 1L);
    }
    return apps;
  }
}
