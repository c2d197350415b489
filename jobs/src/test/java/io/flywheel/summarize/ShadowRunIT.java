package io.flywheel.summarize;

import static io.flywheel.testing.TestSpark.rows;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.Main;
import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.job.JobRunner;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code summarize --shadow NAME} through {@code Main}, on generated data with the local provider: the
 * candidate runs on its sample into its own warehouse with its own cache keys, leaves every file of
 * the production warehouse as it was, and a rerun hits its cache.
 */
class ShadowRunIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private final SparkSession spark = TestSpark.session();

  @TempDir Path dir;

  private Path config() throws IOException {
    Path conf = dir.resolve("flywheel.yaml");
    Files.writeString(conf, String.join("\n",
        "warehouse:",
        "  root: " + dir.resolve("warehouse"),
        "catalog:",
        "  path: " + dir.resolve("catalog"),
        "summarize:",
        "  prompts_dir: " + TestSpark.confDir().resolve("prompts"),
        "  batch_size: 200",
        "  shadows:",
        "    short:",
        "      sample_fraction: 0.5",
        "      max_items: 40",
        "      seed: 3",
        "      set:",
        "        summarize.decoding.max_output_tokens: 60",
        ""));
    return conf;
  }

  private int main(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.execute(args, new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(err.toString(StandardCharsets.UTF_8)).as("stderr of %s", List.of(args)).isEmpty();
    return code;
  }

  private Dataset<Row> table(Path root, Table t) {
    return spark.read().format("delta").load(root.resolve(t.tableName()).toString());
  }

  /** Every file of the production warehouse (not the shadows' folder), with its size and modification time. */
  private Map<String, String> productionFiles() throws IOException {
    Path root = dir.resolve("warehouse");
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).filter(p -> !root.relativize(p).startsWith(ShadowRun.FOLDER))
          .collect(Collectors.toMap(p -> root.relativize(p).toString(), p -> {
            try {
              return Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }, (a, b) -> a, TreeMap::new));
    }
  }

  private static Map<String, Object> lastRun(Dataset<Row> runs) {
    return rows(runs.orderBy(col("ended_at").desc()).limit(1)).get(0);
  }

  @Test
  void aShadowRunsItsSampleIntoItsOwnTablesAndNeverWritesProduction() throws IOException {
    GenerateJob.catalog(spark, 120, new CatalogGenerator(7, 0, 3))
        .write().format("delta").mode("overwrite").save(dir.resolve("catalog").toString());
    String conf = config().toString();
    assertThat(main("summarize", "--conf", conf, "--run-date", DAY.toString())).isZero();
    Map<String, String> before = productionFiles();
    long productionCalls = table(dir.resolve("warehouse"), Table.LLM_CALLS).count();

    assertThat(main("summarize", "--conf", conf, "--run-date", DAY.toString(), "--shadow", "short")).isZero();

    assertThat(productionFiles()).as("production warehouse after the shadow run").isEqualTo(before);
    Path shadow = dir.resolve("warehouse").resolve(ShadowRun.FOLDER).resolve("short");
    Dataset<Row> shadowSummaries = table(shadow, Table.SUMMARIES);
    Dataset<Row> production = table(dir.resolve("warehouse"), Table.SUMMARIES);
    // max_items caps the half of the catalog that the fraction picks.
    @SuppressWarnings("unchecked")
    Map<String, Long> counts = (Map<String, Long>) lastRun(table(shadow, Table.RUNS)).get("counts");
    assertThat(counts.get("items_read")).isEqualTo(40);
    assertThat(counts.get("calls")).isPositive();
    assertThat(shadowSummaries.count()).isPositive().isLessThanOrEqualTo(40);
    assertThat(table(shadow, Table.LLM_CALLS).count()).isEqualTo(counts.get("calls"));
    assertThat(table(dir.resolve("warehouse"), Table.LLM_CALLS).count()).isEqualTo(productionCalls);
    // Its own cache keys: the candidate's decoding is part of the key, so no shadow key is a production key.
    List<Map<String, Object>> shared = rows(shadowSummaries.join(production, "cache_key").select("cache_key"));
    assertThat(shared).isEmpty();
    // The same items, the candidate's shorter answers.
    Dataset<Row> pairs = shadowSummaries.as("s").join(production.as("p"), "item_id");
    assertThat(pairs.count()).isEqualTo(shadowSummaries.count());
    assertThat(pairs.where("length(s.summary) > length(p.summary)").count()).isZero();
    assertThat(pairs.where("length(s.summary) < length(p.summary)").count()).isPositive();

    // A rerun of the shadow: the same sample, every item a hit of the shadow's own cache.
    Set<Object> items = new HashSet<>(rows(shadowSummaries.select("item_id")).stream().map(r -> r.get("item_id")).toList());
    assertThat(main("summarize", "--conf", conf, "--run-date", DAY.toString(), "--shadow", "short")).isZero();
    @SuppressWarnings("unchecked")
    Map<String, Long> rerun = (Map<String, Long>) lastRun(table(shadow, Table.RUNS)).get("counts");
    assertThat(rerun.get("calls")).isZero();
    assertThat(rerun.get("cache_hits")).isEqualTo(shadowSummaries.count());
    assertThat(new HashSet<>(rows(table(shadow, Table.SUMMARIES).select("item_id")).stream().map(r -> r.get("item_id")).toList()))
        .isEqualTo(items);
    assertThat(productionFiles()).isEqualTo(before);

    // shadow-report: item by item against production, into its own two tables.
    assertThat(main("shadow-report", "short", "--conf", conf, "--run-date", DAY.toString())).isZero();
    Path wh = dir.resolve("warehouse");
    List<Map<String, Object>> compared = rows(table(wh, Table.SHADOW_COMPARISONS));
    assertThat(compared).hasSize((int) shadowSummaries.count());
    assertThat(compared).allSatisfy(r -> {
      assertThat(r.get("shadow")).isEqualTo("short");
      assertThat((Integer) r.get("shadow_chars")).isLessThanOrEqualTo((Integer) r.get("production_chars"));
      assertThat((Integer) r.get("production_passed")).isBetween(0, (Integer) r.get("criteria"));
      assertThat(r.get("production_call_id")).isNotEqualTo(r.get("shadow_call_id"));
    });
    Map<String, Map<String, Object>> report = rows(table(wh, Table.SHADOW_REPORTS)).stream()
        .collect(Collectors.toMap(r -> (String) r.get("metric"), r -> r));
    assertThat(report).containsKeys("pass_rate:has_output", "pass_rate:valid_json", "pass_rate:all_criteria",
        "items_compared", "mean_summary_chars", "cost_usd");
    assertThat(report.get("items_compared").get("shadow_value")).isEqualTo((double) compared.size());
    assertThat((Double) report.get("mean_summary_chars").get("difference")).isNegative();
    assertThat(report.get("pass_rate:has_output").get("shadow_value")).isEqualTo(1.0);
    // The all-criteria rate is the share of items whose answer passed every criterion, recomputed here.
    long allPassed = compared.stream().filter(r -> r.get("shadow_passed").equals(r.get("criteria"))).count();
    assertThat((Double) report.get("pass_rate:all_criteria").get("shadow_value"))
        .isCloseTo((double) allPassed / compared.size(), org.assertj.core.data.Offset.offset(1e-9));
    // The judge (the local provider's heuristic) gave every pair a verdict; the rates are those verdicts.
    Map<Object, Long> verdicts = compared.stream().collect(Collectors.groupingBy(r -> r.get("verdict"), Collectors.counting()));
    assertThat(verdicts.keySet()).isSubsetOf("shadow", "production", "tie");
    assertThat(compared).allSatisfy(r -> assertThat(r.get("length_imbalanced")).isNotNull());
    org.assertj.core.data.Offset<Double> exact = org.assertj.core.data.Offset.offset(1e-9);
    assertThat((Double) report.get("judge_win_rate").get("shadow_value"))
        .isCloseTo((double) verdicts.getOrDefault("shadow", 0L) / compared.size(), exact);
    assertThat((Double) report.get("judge_win_rate").get("production"))
        .isCloseTo((double) verdicts.getOrDefault("production", 0L) / compared.size(), exact);
    assertThat((Double) report.get("judge_tie_rate").get("shadow_value"))
        .isCloseTo((double) verdicts.getOrDefault("tie", 0L) / compared.size(), exact);
    assertThat(report).containsKeys("judge_score", "judge_win_rate_length_balanced");
    long judgeCalls = table(wh, Table.LLM_CALLS).where(col("job").equalTo("shadow-report")).count();
    // A rerun of the report replaces its rows and asks the judge nothing again.
    assertThat(main("shadow-report", "--shadow", "short", "--conf", conf, "--run-date", DAY.toString())).isZero();
    assertThat(table(wh, Table.SHADOW_COMPARISONS).count()).isEqualTo(compared.size());
    assertThat(table(wh, Table.SHADOW_REPORTS).count()).isEqualTo(report.size());
    assertThat(table(wh, Table.LLM_CALLS).where(col("job").equalTo("shadow-report")).count()).isEqualTo(judgeCalls);
    assertThat(rows(table(wh, Table.SHADOW_COMPARISONS).select("item_id", "verdict").orderBy("item_id")))
        .isEqualTo(compared.stream().sorted(java.util.Comparator.comparing(r -> (String) r.get("item_id")))
            .map(r -> { Map<String, Object> m = new java.util.LinkedHashMap<>(); m.put("item_id", r.get("item_id"));
              m.put("verdict", r.get("verdict")); return m; }).toList());
  }

  @Test
  void theSampleIsStableSeededAndKeepsAnIdsRowsTogether() {
    Dataset<Row> ids = spark.range(0, 2000).selectExpr("concat('item-', id % 1000) AS item_id", "id AS n");
    FlywheelConfig.Shadow fifth = new FlywheelConfig.Shadow(0.2, 0, 1L, Map.<String, Object>of());
    List<Map<String, Object>> a = rows(ShadowRun.sample(ids, "item_id", fifth).orderBy("n"));
    List<Map<String, Object>> again = rows(ShadowRun.sample(ids, "item_id", fifth).orderBy("n"));
    assertThat(again).isEqualTo(a);
    Map<Object, Long> rowsPerId = a.stream().collect(Collectors.groupingBy(r -> r.get("item_id"), Collectors.counting()));
    // Every id is in the input twice; the sample keeps both rows or neither.
    assertThat(rowsPerId.values()).containsOnly(2L);
    assertThat(rowsPerId.size()).isBetween(150, 250);
    Set<Object> other = rows(ShadowRun.sample(ids, "item_id", new FlywheelConfig.Shadow(0.2, 0, 2L, Map.<String, Object>of())))
        .stream().map(r -> r.get("item_id")).collect(Collectors.toSet());
    assertThat(other).isNotEqualTo(rowsPerId.keySet());
    assertThat(ShadowRun.sample(ids, "item_id", new FlywheelConfig.Shadow(0.2, 30, 1L, Map.<String, Object>of())).count()).isEqualTo(30);
  }

  @Test
  void aShadowIsRefusedOnTheProductionWarehouse(@TempDir Path other) {
    var ctx = TestSpark.context("summarize", other, DAY, false, List.of("summarize.shadow=short",
        "summarize.shadows.short.sample_fraction=0.5"));
    assertThatThrownBy(() -> JobRunner.run(new SummarizeJob(), ctx))
        .isInstanceOf(ConfigException.class).hasMessageContaining("summarize.shadow").hasMessageContaining("--shadow short");
    assertThat(other.resolve("warehouse").resolve(Table.RUNS.tableName())).doesNotExist();
  }
}
