package io.flywheel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.eval.JudgePrompt;
import io.flywheel.job.Job;
import io.flywheel.job.Jobs;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.InJvmS3;
import io.flywheel.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's two checks in one run of the pipeline (docs/airflow.md#the-two-pass-pipeline-test): the
 * Airflow DAGs' tasks, rendered for one run date by {@code airflow-dags/tests/render_plan.py} (the DAG
 * tests' own stand-in and renderer), executed in dependency order, twice, with every input and
 * {@code warehouse.root} on {@code s3a://} (s3proxy in this JVM, {@link InJvmS3}) and the model behind
 * {@link FakeLlmServer} (the {@code openai} provider on 127.0.0.1, so "no model call" is checked at the
 * wire). The second pass changes no table and sends no request. Then every registered job that is in
 * no DAG runs on the same warehouse, twice, the rerun sending no request; the test fails when a
 * registered job ran nowhere here.
 *
 * <p>Each task runs through {@link Main#execute}, the launcher's entry point ({@code bin/flywheel} is
 * {@code java ... io.flywheel.Main <args>}), in this JVM on the shared session: the same code minus the
 * script, without a JVM start per task.
 */
class S3PipelineIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Tomorrow: skew reads the production calls of (run date - 2 days, run date] by the date they were
   * made (today), and a pass that crosses midnight still finds them.
   */
  private static final LocalDate DAY = LocalDate.now(ZoneOffset.UTC).plusDays(1);
  private static final String SHADOW = "cand";
  /**
   * A run's identity in the rows it writes ({@code TableWrites.RUN_IDENTITY}): a table whose rows changed
   * only there was rewritten with the same content, which a rerun must not do either.
   */
  private static final Set<String> IDENTITY = io.flywheel.table.TableWrites.RUN_IDENTITY;

  private static InJvmS3 s3;
  private static FakeLlmServer llm;
  @TempDir static Path dir;
  private final SparkSession spark = TestSpark.session();

  @BeforeAll
  static void start() throws Exception {
    s3 = InJvmS3.start("flywheel-pipeline");
    llm = FakeLlmServer.start().requireKey("sk-pipeline-test-key").script(S3PipelineIT::answer);
  }

  @AfterAll
  static void stop() {
    if (llm != null) {
      llm.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /**
   * The "model": summaries and recommendations as the server answers them by default; the judge
   * prefers the first response and says yes to every labeling question, so its answers are stored.
   */
  private static FakeLlmServer.Reply answer(FakeLlmServer.Request r) {
    JsonNode messages = r.body().path("messages");
    String user = messages.get(messages.size() - 1).path("content").asText();
    if (user.contains(JudgePrompt.COMPARISON_OPEN)) {
      return FakeLlmServer.Reply.answer().content("{\"reasoning\":\"the first is more specific\",\"verdict\":\"A\"}");
    }
    if (user.contains(JudgePrompt.LABELING_OPEN)) {
      return FakeLlmServer.Reply.answer().content("{\"reasoning\":\"checked\",\"answer\":\"yes\"}");
    }
    return FakeLlmServer.Reply.answer();
  }

  @Test
  void theDagsRunTwiceOnS3TheSecondPassChangesNoTableAndCallsNoModel() throws Exception {
    String root = s3.uri("pipeline");
    String warehouse = root + "/warehouse";
    Path conf = writeConfig(root);
    Set<String> ranOnS3 = new LinkedHashSet<>();

    // Inputs, written on s3a by the generate command itself.
    run("generate", "--conf", conf.toString(), "--items", "120", "--users", "20", "--seed", "5");
    run("generate", "--skew", "--conf", conf.toString(), "--run-date", DAY.toString(), "--dev-rows", "60",
        "--prod-rows", "20", "--seed", "5");
    assertThat(TestSpark.session().read().format("delta").load(root + "/input/skew/dev").count()).isEqualTo(60);

    List<Step> plan = plan(conf);
    assertThat(plan).extracting(Step::task)
        .containsExactly("summarize", "eval_assert", "recommend", "skew", "review_sample", "feedback", "export_dataset");

    // Pass 1. The feedback events are about the calls the nightly tasks logged: in production they
    // arrive from the product between the two DAGs; here generate --feedback writes them then.
    boolean events = false;
    for (Step step : plan) {
      if (step.dag().equals("flywheel_weekly") && !events) {
        run("generate", "--feedback", "--conf", conf.toString(), "--seed", "5");
        events = true;
      }
      run(step.args());
      ranOnS3.add(step.args().get(0));
    }
    assertThat(llm.seen()).as("pass 1 called the model").isNotEmpty();
    assertThat(files(warehouse).keySet()).as("the skew report, the review page and the export are on s3a")
        .contains("reports/skew/skew-" + DAY + ".html", "reports/review/review-" + DAY + ".html",
            "exports/weekly-" + DAY + "/manifest.json", "exports/weekly-" + DAY + "/train/openai_chat.jsonl");

    // Pass 2: the same commands.
    Snapshot before = snapshot(warehouse);
    long runsBefore = runs(warehouse).size();
    llm.clearSeen();
    for (Step step : plan) {
      run(step.args());
    }
    assertThat(llm.seen()).as("requests the second pass sent").isEmpty();
    assertRerunChangedNothing(before, snapshot(warehouse), plan.size());
    assertThat(runs(warehouse)).hasSize((int) runsBefore + plan.size());

    // Every registered job that is in no DAG, on the same warehouse, twice.
    List<String> judgeSets = writeJudgeTargets(root);
    List<String> shadowSets = List.of("--set", "summarize.shadows." + SHADOW + ".sample_fraction=0.2",
        "--set", "summarize.shadows." + SHADOW + ".max_items=10",
        "--set", "summarize.shadows." + SHADOW + ".set.summarize.decoding.max_output_tokens=40");
    Path answers = writeReviewAnswers(warehouse);
    List<List<String>> others = List.of(
        with(List.of("summarize", "--shadow", SHADOW), shadowSets),
        with(List.of("shadow-report", SHADOW), shadowSets),
        with(List.of("eval-judge"), judgeSets),
        List.of("review-sample", "--answers", answers.toString(), "--reviewer", "pipeline"),
        List.of("judge-calibration"),
        List.of("forget-user", "--user", someUser(root), "--purge"));
    for (List<String> command : others) {
      List<String> args = new ArrayList<>(command);
      args.addAll(List.of("--conf", conf.toString(), "--run-date", DAY.toString()));
      run(args);
      ranOnS3.add(args.get(0));
      Snapshot once = snapshot(warehouse);
      llm.clearSeen();
      run(args);
      assertThat(llm.seen()).as("requests the rerun of %s sent", args.get(0)).isEmpty();
      assertRerunChangedNothing(once, snapshot(warehouse), 1);
    }
    assertThat(ranOnS3).containsAll(Jobs.ALL.stream().map(Job::name).toList());
  }

  /**
   * A rerun added {@code runs} rows (one per command; a shadow warehouse's {@code runs} may gain its own)
   * and changed nothing else: every other table keeps its Delta version and its rows, every file its bytes.
   */
  private void assertRerunChangedNothing(Snapshot before, Snapshot after, int commands) {
    assertThat(after.tables().keySet()).isEqualTo(before.tables().keySet());
    Map<String, String> changed = new TreeMap<>();
    for (String table : before.tables().keySet()) {
      Table b = before.tables().get(table);
      Table a = after.tables().get(table);
      if (isRuns(table)) {
        // An audit table (the warehouse's, or a shadow warehouse's): a rerun is a run, and only adds rows.
        assertThat(a.rows()).as(table).containsAll(b.rows());
      } else if (a.version() != b.version()) {
        // A Delta version is an immutable snapshot: the same version, the same rows. A new one is a
        // change; what changed is read back through time travel for the message.
        changed.put(table, "version " + b.version() + " -> " + a.version() + ": " + difference(a.path(), b.version(), a.version()));
      }
    }
    assertThat(changed).as("tables a rerun changed").isEmpty();
    assertThat(runsRows(after)).as("runs rows (a shadow run's are in its warehouse)").isEqualTo(runsRows(before) + commands);
    assertThat(after.files()).isEqualTo(before.files());
  }

  /** How {@code path}'s rows at version {@code to} differ from those at {@code from}, in a line. */
  private String difference(String path, long from, long to) {
    org.apache.spark.sql.Dataset<Row> b = spark.read().format("delta").option("versionAsOf", from).load(path);
    org.apache.spark.sql.Dataset<Row> a = spark.read().format("delta").option("versionAsOf", to).load(path);
    List<String> content = java.util.Arrays.stream(a.schema().fields())
        .filter(f -> !IDENTITY.contains(f.name()) && !(f.dataType() instanceof org.apache.spark.sql.types.TimestampType))
        .map(f -> "`" + f.name() + "`").toList();
    List<String> bc = sortedJson(b, content);
    List<String> ac = sortedJson(a, content);
    if (ac.equals(bc)) {
      return sortedJson(a, List.of("*")).equals(sortedJson(b, List.of("*")))
          ? "the same rows" : "the same content under another run (run id or times)";
    }
    return bc.size() + " rows -> " + ac.size() + ", first new: " + ac.stream().filter(r -> !bc.contains(r)).findFirst().orElse("(none)");
  }

  private static boolean isRuns(String table) {
    return table.equals("runs") || table.endsWith("/runs");
  }

  /** The rows of every {@code runs} table of the snapshot: the warehouse's and its shadow warehouses'. */
  private static long runsRows(Snapshot s) {
    return s.tables().entrySet().stream().filter(e -> isRuns(e.getKey()))
        .mapToLong(e -> e.getValue().rows().size()).sum();
  }

  private record Step(String dag, String task, List<String> args) {}

  /** A table's path and version, and for a {@code runs} table its rows as sorted JSON (else empty). */
  private record Table(String path, long version, List<String> rows) {}

  private record Snapshot(Map<String, Table> tables, Map<String, String> files) {}

  /** The plan of render_plan.py for {@link #DAY}, with {@code flywheel_conf} pointing at the test config. */
  private static List<Step> plan(Path conf) throws Exception {
    Path repo = TestSpark.confDir().getParent();
    Path out = dir.resolve("plan.json");
    Process p = new ProcessBuilder("python3", repo.resolve("airflow-dags/tests/render_plan.py").toString(),
        "--run-date", DAY.toString(), "--var", "flywheel_conf=" + conf)
        .redirectOutput(out.toFile()).redirectErrorStream(false).redirectError(dir.resolve("plan.err").toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("render_plan.py finished").isTrue();
    assertThat(p.exitValue()).as("render_plan.py: %s", Files.readString(dir.resolve("plan.err"))).isZero();
    List<Step> steps = new ArrayList<>();
    for (JsonNode s : JSON.readTree(out.toFile())) {
      List<String> args = new ArrayList<>();
      s.path("args").forEach(a -> args.add(a.asText()));
      steps.add(new Step(s.path("dag").asText(), s.path("task").asText(), args));
    }
    return steps;
  }

  /** Runs one launcher command in this JVM; it must exit 0. */
  private static void run(String... args) {
    run(List.of(args));
  }

  private static void run(List<String> args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.execute(args.toArray(String[]::new), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as("flywheel %s: %s", String.join(" ", args), err.toString(StandardCharsets.UTF_8)).isZero();
  }

  private static List<String> with(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** The pipeline's config: everything on s3a, the openai provider at the fake server, small sizes. */
  private static Path writeConfig(String root) throws IOException {
    Path key = dir.resolve("api-key");
    Files.writeString(key, "sk-pipeline-test-key");
    String yaml = String.join("\n",
        "warehouse:",
        "  root: " + root + "/warehouse",
        "catalog:",
        "  path: " + root + "/input/catalog",
        "llm:",
        "  provider: openai",
        "  model: gpt-pinned-2024-07-18",
        "  base_url: " + llm.openAiBaseUrl(),
        "  api_key_file: " + key,
        "  max_concurrency: 4",
        "summarize:",
        "  prompts_dir: " + TestSpark.confDir().resolve("prompts"),
        "  batch_size: 200",
        "recommend:",
        "  purchases_path: " + root + "/input/purchases",
        "  call_partitions: 2",
        "skew:",
        "  dev:",
        "    path: " + root + "/input/skew/dev",
        "  prod:",
        "    window_days: 2",
        "  embed:",
        "    sample_per_side: 40",
        "  nondeterminism:",
        "    sample: 5",
        "  clusters:",
        "    k: 3",
        "feedback:",
        "  events_path: " + root + "/input/feedback_events",
        "  max_tokens: 2048",
        "");
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** eval-judge's two sides: small tables on s3a with the same inputs and other outputs. */
  private List<String> writeJudgeTargets(String root) {
    StructType schema = StructType.fromDDL("item_id STRING, input STRING, output STRING");
    spark.createDataFrame(List.of(
            RowFactory.create("a", "{\"description\":\"A kettle of 1.5 litres.\"}", "{\"summary\":\"A kettle of 1.5 litres.\",\"key_features\":[]}"),
            RowFactory.create("b", "{\"description\":\"A quiet fan.\"}", "{\"summary\":\"A quiet fan for small rooms.\",\"key_features\":[]}")),
        schema).write().format("delta").mode("overwrite").save(root + "/input/judge_a");
    spark.createDataFrame(List.of(
            RowFactory.create("a", "{\"description\":\"A kettle of 1.5 litres.\"}", "{\"summary\":\"A kettle.\",\"key_features\":[]}"),
            RowFactory.create("b", "{\"description\":\"A quiet fan.\"}", "{\"summary\":\"A fan.\",\"key_features\":[]}")),
        schema).write().format("delta").mode("overwrite").save(root + "/input/judge_b");
    return List.of("--a", root + "/input/judge_a", "--b", root + "/input/judge_b");
  }

  /** Reviewers' answers to every question of the day's sample (yes to every other call), as the page saves them. */
  private Path writeReviewAnswers(String warehouse) throws IOException {
    List<Map<String, Object>> queue = TestSpark.rows(spark.read().format("delta").load(warehouse + "/review_queue")
        .select("run_date", "call_id", "question").orderBy("call_id", "question"));
    assertThat(queue).isNotEmpty();
    List<Map<String, Object>> answers = new ArrayList<>();
    for (int i = 0; i < queue.size(); i++) {
      Map<String, Object> q = queue.get(i);
      answers.add(Map.of("run_date", q.get("run_date").toString(), "call_id", q.get("call_id"),
          "question", q.get("question"), "answer", i % 2 == 0));
    }
    Path file = dir.resolve("review-answers.json");
    Files.writeString(file, JSON.writeValueAsString(answers));
    return file;
  }

  private String someUser(String root) {
    return spark.read().format("delta").load(root + "/input/feedback_events").where("user_id IS NOT NULL")
        .orderBy("user_id").first().getAs("user_id");
  }

  private List<Map<String, Object>> runs(String warehouse) {
    return TestSpark.rows(spark.read().format("delta").load(warehouse + "/runs").select("run_id"));
  }

  /**
   * Every Delta table under {@code root} (a folder holding {@code _delta_log}) with its version (its
   * newest commit file) and, for {@code runs} tables, its rows as sorted JSON; every other file with
   * the SHA-256 of its bytes.
   */
  private Snapshot snapshot(String root) throws IOException {
    Map<String, Table> tables = new TreeMap<>();
    Map<String, String> files = new TreeMap<>();
    Map<String, Long> versions = new TreeMap<>();
    Map<String, LocatedFileStatus> all = listFiles(root);
    for (String rel : all.keySet()) {
      int log = rel.indexOf("_delta_log/");
      if (log >= 0) {
        String table = rel.substring(0, Math.max(0, log - 1));
        java.util.regex.Matcher commit = COMMIT.matcher(rel.substring(log + "_delta_log/".length()));
        versions.merge(table, commit.matches() ? Long.parseLong(commit.group(1)) : -1L, Math::max);
      }
    }
    for (Map.Entry<String, Long> t : versions.entrySet()) {
      String path = root + "/" + t.getKey();
      List<String> rows = isRuns(t.getKey()) ? sortedJson(spark.read().format("delta").load(path), List.of("*")) : List.of();
      tables.put(t.getKey(), new Table(path, t.getValue(), rows));
    }
    FileSystem fs = new org.apache.hadoop.fs.Path(root).getFileSystem(spark.sparkContext().hadoopConfiguration());
    for (Map.Entry<String, LocatedFileStatus> e : all.entrySet()) {
      if (versions.keySet().stream().noneMatch(t -> e.getKey().startsWith(t + "/"))) {
        files.put(e.getKey(), sha256(fs, e.getValue()));
      }
    }
    return new Snapshot(tables, files);
  }

  /** A Delta commit file: {@code <version, 20 digits>.json}. */
  private static final java.util.regex.Pattern COMMIT = java.util.regex.Pattern.compile("(\\d{20})\\.json");

  private static List<String> sortedJson(org.apache.spark.sql.Dataset<Row> df, List<String> columns) {
    List<String> rows = new ArrayList<>();
    for (Row r : df.selectExpr("to_json(struct(" + String.join(", ", columns) + ")) AS j").collectAsList()) {
      rows.add(r.getString(0));
    }
    rows.sort(null);
    return rows;
  }

  /** Every file under {@code root}, by path relative to it. */
  private Map<String, LocatedFileStatus> files(String root) throws IOException {
    return listFiles(root);
  }

  private Map<String, LocatedFileStatus> listFiles(String root) throws IOException {
    org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path(root);
    FileSystem fs = base.getFileSystem(spark.sparkContext().hadoopConfiguration());
    String prefix = fs.makeQualified(base).toString() + "/";
    Map<String, LocatedFileStatus> out = new TreeMap<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(base, true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String p = f.getPath().toString();
      out.put(p.startsWith(prefix) ? p.substring(prefix.length()) : p, f);
    }
    return out;
  }

  /** SHA-256 of the file's bytes. */
  private static String sha256(FileSystem fs, FileStatus f) throws IOException {
    try (InputStream in = fs.open(f.getPath())) {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
