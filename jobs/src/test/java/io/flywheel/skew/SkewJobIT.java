package io.flywheel.skew;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.Main;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.job.JobRunner;
import io.flywheel.run.RunLog;
import io.flywheel.skew.report.SkewReportData;
import io.flywheel.skew.report.SkewReportLoader;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The skew job end to end on the generated pairs (docs/sample-data.md#skew-dev-vs-prod): the control
 * pair breaches nothing, every planted structural drift breaches, a rerun changes no content, the
 * history rule alerts, and bad inputs end with exit 2 naming the key and writing nothing.
 */
class SkewJobIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private static final long DEV = 1000;
  private static final long PROD = 1500;
  private static final SparkSession spark = TestSpark.session();

  @TempDir static Path shared;
  private static Path data;
  private static JsonNode truth;

  /**
   * The features each planted property moves: the first is the one that must breach; the rest may
   * move with it (the output's summary is the input's first sentence, so input drift shows there too).
   */
  private static final Map<String, List<String>> PLANTED = Map.of(
      "lowercase", List.of("input/lower_share", "input/title_share", "input/upper_share", "input/mixed_share"),
      "typos", List.of("input/oov_rate", "input/fragment_share"),
      "longer", List.of("input/chars", "input/words", "input/est_tokens", "input/sentences", "input/fragment_share"),
      "non_english", List.of("input/language", "input/oov_rate", "input/non_letter_share", "input/chars",
          "input/words", "input/est_tokens", "input/fragment_share", "input/lower_share", "input/title_share",
          "input/sentences"),
      "broken_json", List.of("output/is_valid_json", "output/json_shape", "output/json_keys"));

  @BeforeAll
  static void generate() throws Exception {
    data = shared.resolve("skew");
    SkewGenerator.write(spark, data.toString(), DEV, PROD, 42, DAY, TestSpark.confDir().resolve("prompts"));
    truth = new ObjectMapper().readTree(Files.readString(data.resolve("ground_truth.json")));
  }

  private static RunLog run(Path dir, LocalDate day, String... sets) {
    List<String> all = new ArrayList<>();
    all.add("skew.dev.path=" + data.resolve("dev"));
    // The embedding step is off unless a test turns it on (MiniLM on 2 cores: seconds per hundred texts).
    all.add("skew.embed.sample_per_side=0");
    // Nondeterminism on a few inputs only: NondeterminismIT measures it; here it only has to run.
    all.add("skew.nondeterminism.sample=5");
    all.addAll(List.of(sets));
    return JobRunner.run(new SkewJob(), TestSpark.context("skew", dir, day, false, all));
  }

  /** Embedding step on, at a size a test affords: 600 texts per side, a fixed k. */
  private static final String[] EMBED = {"skew.embed.sample_per_side=600", "skew.clusters.k=12"};

  /** The run-level embedding AUC row of {@code DAY}. */
  private static double auc(Path dir) {
    return (Double) TestSpark.rows(table(dir, Table.SKEW_FEATURES)
        .where("field = 'embedding' AND feature = 'classifier_auc' AND run_date = DATE'" + DAY + "'")).get(0).get("value");
  }

  private static Dataset<Row> table(Path dir, Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  /** The feature rows (input and output fields) of {@code day}, keyed {@code field/feature}. */
  private static Map<String, Map<String, Object>> features(Path dir, LocalDate day) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Map<String, Object> r : TestSpark.rows(table(dir, Table.SKEW_FEATURES)
        .where(col("run_date").equalTo(java.sql.Date.valueOf(day)).and(col("field").isin("input", "output")))
        .orderBy("field", "feature"))) {
      out.put(r.get("field") + "/" + r.get("feature"), r);
    }
    return out;
  }

  private static void print(String title, Map<String, Map<String, Object>> rows) {
    System.out.println(title);
    rows.forEach((k, r) -> System.out.printf(Locale.ROOT, "  %-26s js %s psi %s w1 %s linf %s breached %s reliable %s%n",
        k, fmt(r.get("js")), fmt(r.get("psi")), fmt(r.get("wasserstein_norm")), fmt(r.get("linf")), r.get("breached"),
        r.get("reliable")));
  }

  private static String fmt(Object v) {
    return v == null ? "  -  " : String.format(Locale.ROOT, "%.3f", (Double) v);
  }

  @Test
  void theControlPairBreachesNoFeature(@TempDir Path dir) {
    RunLog log = run(dir, DAY, "skew.dev.path=" + data.resolve("control_dev"),
        "skew.prod.path=" + data.resolve("control_prod_llm_calls"), EMBED[0], EMBED[1]);

    assertThat(log.status()).isEqualTo("succeeded");
    Map<String, Map<String, Object>> rows = features(dir, DAY);
    print("control pair", rows);
    int perField = SkewFeatures.NUMERIC.size() + SkewFeatures.CATEGORICAL.size();
    assertThat(rows).hasSize(2 * perField);
    assertThat(rows.values()).allSatisfy(r -> {
      assertThat(r.get("dev_rows")).isEqualTo(DEV);
      assertThat(r.get("prod_rows")).isEqualTo(PROD);
    });
    assertThat(rows.entrySet().stream().filter(e -> Boolean.TRUE.equals(e.getValue().get("breached"))).map(Map.Entry::getKey))
        .as("breached features of the control pair").isEmpty();
    // docs/skew.md#near-constant-features: W1/sd of the control's fragment_share is over 0.1 on noise alone.
    Map<String, Object> fragments = rows.get("input/fragment_share");
    assertThat((Double) fragments.get("wasserstein_norm")).isGreaterThan(0.1);
    assertThat(fragments.get("reliable")).isEqualTo(false);
    assertThat(fragments.get("breached")).isEqualTo(false);
    assertThat(log.get("features_breached")).isZero();
    // One distribution on both sides: the embeddings cannot be told apart and no cluster is a gap.
    assertThat(auc(dir)).as("embedding AUC of the control pair").isLessThan(0.55);
    assertThat(log.get("coverage_gaps")).isZero();
    assertThat(table(dir, Table.SKEW_CLUSTERS).count()).isEqualTo(log.get("clusters")).isPositive();
  }

  @Test
  void everyPlantedStructuralDriftBreachesAndUnplantedFeaturesMostlyDoNot(@TempDir Path dir) throws Exception {
    // The production log lands in the warehouse's own llm_calls, where the job reads it by default.
    spark.read().format("delta").load(data.resolve("prod_llm_calls").toString())
        .write().format("delta").mode("append").partitionBy(Table.LLM_CALLS.partitionBy().toArray(String[]::new))
        .save(dir.resolve("warehouse").resolve("llm_calls").toString());

    RunLog log = run(dir, DAY, EMBED[0], EMBED[1]);

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(log.get("prod_rows")).isEqualTo(PROD);
    assertThat(auc(dir)).as("embedding AUC of the drifted pair").isGreaterThan(0.55);
    Map<String, Map<String, Object>> rows = features(dir, DAY);
    print("drifted pair", rows);
    JsonNode planted = truth.path("pairs").path("drifted").path("planted");
    Set<String> expected = new TreeSet<>();
    int checked = 0;
    for (Iterator<String> it = planted.fieldNames(); it.hasNext(); ) {
      String property = it.next();
      JsonNode p = planted.path(property);
      List<String> moved = PLANTED.get(property);
      if (moved == null || p.path("prod_share").asDouble() <= p.path("dev_share").asDouble()) {
        continue;
      }
      checked++;
      assertThat(rows.get(moved.get(0)).get("breached")).as(property + " planted: " + moved.get(0) + " breaches")
          .isEqualTo(true);
      assertThat(rows.get(moved.get(0)).get("alert")).isEqualTo(true);
      expected.addAll(moved);
      // The output's summary is the input's first sentence: what moves the input moves it too.
      moved.forEach(f -> expected.add(f.replace("input/", "output/")));
    }
    assertThat(checked).as("planted structural properties in the ground truth").isEqualTo(5);
    List<String> falseAlarms = rows.entrySet().stream()
        .filter(e -> Boolean.TRUE.equals(e.getValue().get("breached")) && !expected.contains(e.getKey()))
        .map(Map.Entry::getKey).toList();
    System.out.println("breaches outside the planted features: " + falseAlarms);
    assertThat(falseAlarms).as("false alarms").hasSizeLessThanOrEqualTo(1);
    double share = (Double) TestSpark.rows(table(dir, Table.SKEW_FEATURES).where("field = 'run' AND feature = 'drifted_share'"))
        .get(0).get("value");
    assertThat(share).isEqualTo((double) log.get("features_breached") / log.get("features_compared"));

    io.flywheel.run.RunContext ctx = TestSpark.context("skew", dir, DAY, true, List.of());
    SkewReportData report = SkewReportLoader.load(ctx.warehouse(), DAY, "r", ctx.config().skew());
    assertThat(report.summary().devRows()).isEqualTo(DEV);
    assertThat(report.summary().featuresDrifted()).isEqualTo((int) log.get("features_breached"));
    assertThat(report.features()).hasSize(rows.size());
    assertThat(report.histograms()).extracting(SkewReportData.Histogram::title)
        .contains("input length (characters)", "output length (words)");
    assertThat(report.histograms()).allSatisfy(h -> {
      assertThat(h.binEdges()).hasSize(h.devCounts().length + 1);
      assertThat(java.util.Arrays.stream(h.devCounts()).sum()).isEqualTo(DEV);
    });
    assertThat(report.trend()).extracting(SkewReportData.TrendPoint::series).contains("drifted share");
    // The run wrote the same data as its HTML report, self-contained, at the documented place.
    Path html = Path.of(SkewJob.reportPath(ctx));
    assertThat(html).isRegularFile();
    String page = java.nio.file.Files.readString(html);
    assertThat(page).contains("data:image/png;base64,").contains(DAY.toString()).doesNotContain("<script");
    assertThat(page).isEqualTo(io.flywheel.skew.report.SkewReport.render(
        SkewReportLoader.load(ctx.warehouse(), DAY, runIdOf(dir, DAY), ctx.config().skew())));
  }

  private static String runIdOf(Path dir, LocalDate day) {
    return (String) TestSpark.rows(table(dir, Table.RUNS).where("job = 'skew' AND run_date = DATE'" + day + "'")
        .select("run_id")).get(0).get("run_id");
  }

  @Test
  void aRerunOfTheSameDateChangesNoTableContent(@TempDir Path dir) {
    String[] sets = {"skew.prod.path=" + data.resolve("prod_llm_calls"), "skew.embed.sample_per_side=150", "skew.clusters.k=4"};
    RunLog once = run(dir, DAY, sets);
    assertThat(once.status()).isEqualTo("succeeded");
    assertThat(once.get("embeddings_computed")).isPositive();
    Map<Table, List<Map<String, Object>>> first = contents(dir);
    assertThat(first.get(Table.SKEW_FEATURES)).isNotEmpty();
    assertThat(first.get(Table.TEXT_EMBEDDINGS)).hasSize((int) once.get("embeddings_computed"));

    RunLog again = run(dir, DAY, sets);
    assertThat(again.status()).isEqualTo("succeeded");
    assertThat(again.get("embeddings_computed")).as("texts embedded by the rerun").isZero();
    assertThat(again.get("calls")).as("model calls of the rerun").isZero();

    assertThat(contents(dir)).isEqualTo(first);
    assertThat(table(dir, Table.RUNS).where("job = 'skew' AND status = 'succeeded'").count()).isEqualTo(2);
  }

  /** Every skew table's rows without the run id (which a rerun changes by definition), in a fixed order. */
  private static Map<Table, List<Map<String, Object>>> contents(Path dir) {
    Map<Table, List<Map<String, Object>>> out = new LinkedHashMap<>();
    for (Table t : new SkewJob().tables()) {
      Dataset<Row> df = table(dir, t).drop("run_id");
      out.put(t, TestSpark.rows(df.orderBy(df.columns()[0], java.util.Arrays.copyOfRange(df.columns(), 1, Math.min(4, df.columns().length)))));
    }
    return out;
  }

  @Test
  void aDistanceFarFromItsLastRunsAlertsEvenUnderItsThreshold(@TempDir Path dir) {
    // Three quiet days: dev against the control dev set read as a table (same distribution).
    for (int back = 3; back >= 1; back--) {
      assertThat(run(dir, DAY.minusDays(back), "skew.prod.source=table", "skew.prod.path=" + data.resolve("control_dev"))
          .status()).isEqualTo("succeeded");
    }
    // Then the drifted production day, with every threshold out of reach: only the history rule can alert.
    RunLog log = run(dir, DAY, "skew.prod.path=" + data.resolve("prod_llm_calls"), "skew.thresholds.default=100");

    Map<String, Map<String, Object>> rows = features(dir, DAY);
    assertThat(log.get("features_breached")).isZero();
    Map<String, Object> chars = rows.get("input/chars");
    assertThat(chars.get("breached")).isEqualTo(false);
    assertThat(chars.get("alert")).isEqualTo(true);
    assertThat((String) chars.get("alert_reason")).contains("sd from its last 3 runs");
    assertThat(rows.get("input/is_valid_xml").get("alert")).as("a feature that did not move").isEqualTo(false);
  }

  private record Result(int code, String err) {}

  private static Result main(Path dir, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--set", "summarize.prompts_dir=" + TestSpark.confDir().resolve("prompts"),
        "--set", "warehouse.root=" + dir.resolve("warehouse"), "--run-date", DAY.toString()));
    int code = Main.execute(all.toArray(String[]::new), errStream);
    return new Result(code, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aMissingColumnIsAConfigErrorNamingTheKeyAndWritesNothing(@TempDir Path dir) {
    Result r = main(dir, "skew", "--set", "skew.dev.path=" + data.resolve("dev"), "--set", "skew.dev.columns.input=prompt",
        "--set", "skew.prod.path=" + data.resolve("prod_llm_calls"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("skew.dev.columns.input").contains("'prompt'");
    assertThat(dir.resolve("warehouse")).doesNotExist();
  }

  @Test
  void anEmptyProductionWindowIsAConfigErrorNamingTheKeyAndWritesNothing(@TempDir Path dir) {
    Result r = main(dir, "skew", "--set", "skew.dev.path=" + data.resolve("dev"),
        "--set", "skew.prod.path=" + data.resolve("prod_llm_calls"), "--set", "skew.prod.jobs=[recommend]");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("skew.prod.source").contains("prod side is empty").contains("[recommend]");
    assertThat(dir.resolve("warehouse")).doesNotExist();
  }

  @Test
  void allNullTextsAreAConfigErrorNamingTheKeyAndWritesNothing(@TempDir Path dir) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rows.add(RowFactory.create("x" + i, "t", "c", i == 0 ? "  " : null, "{}"));
    }
    spark.createDataFrame(rows, SkewGenerator.DEV_SCHEMA).write().format("delta").save(dir.resolve("nulls").toString());
    Result r = main(dir, "skew", "--set", "skew.dev.path=" + dir.resolve("nulls"),
        "--set", "skew.prod.path=" + data.resolve("prod_llm_calls"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("skew.dev.columns.input").contains("every one of the 5 dev input texts is null or blank");
    assertThat(dir.resolve("warehouse")).doesNotExist();
  }

  @Test
  void generateSkewWritesBothPairsWithTheirGroundTruth(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("pairs");
    Result r = main(dir, "generate", "--skew", "--out", out.toString(), "--dev-rows", "40", "--prod-rows", "60",
        "--seed", "7");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode t = new ObjectMapper().readTree(Files.readString(out.resolve("ground_truth.json")));
    assertThat(t.path("dev_rows").asLong()).isEqualTo(40);
    assertThat(t.path("seed").asLong()).isEqualTo(7);
    assertThat(spark.read().format("delta").load(out.resolve("control_dev").toString()).count()).isEqualTo(40);
    assertThat(spark.read().format("delta").load(out.resolve("prod_llm_calls").toString())
        .where(col("call_date").equalTo(java.sql.Date.valueOf(DAY))).count()).isEqualTo(60);
  }
}
