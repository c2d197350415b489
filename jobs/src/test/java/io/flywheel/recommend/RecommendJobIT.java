package io.flywheel.recommend;

import static io.flywheel.testing.TestSpark.rows;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.trim;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.job.JobRunner;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.generate.PurchaseGenerator;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of the recommendations job on a small generated catalog, with the local provider. */
class RecommendJobIT {
  private static final LocalDate DAY1 = LocalDate.of(2026, 11, 27);
  private static final LocalDate DAY2 = LocalDate.of(2026, 11, 28);
  private static final int ITEMS = 300;
  private static final int USERS = 60;
  private final SparkSession spark = TestSpark.session();

  @TempDir static Path shared;

  @BeforeAll
  static void generate() {
    SparkSession s = TestSpark.session();
    GenerateJob.catalog(s, ITEMS, new CatalogGenerator(7, 0, 3))
        .write().format("delta").mode("overwrite").save(shared.resolve("catalog").toString());
    GenerateJob.purchases(s, USERS, new PurchaseGenerator(11, ITEMS))
        .write().format("delta").mode("overwrite").save(shared.resolve("purchases").toString());
  }

  private RunLog run(Path dir, LocalDate day, String... sets) {
    return run(dir, day, false, sets);
  }

  /** A run under a given run id (as an orchestrator retrying with the same --run-id would start it). */
  private RunLog runAs(String runId, Path dir, LocalDate day, String... sets) {
    List<String> all = new ArrayList<>(List.of(
        "catalog.path=" + shared.resolve("catalog"),
        "recommend.purchases_path=" + shared.resolve("purchases"),
        "recommend.call_partitions=2"));
    all.addAll(List.of(sets));
    RunContext c = TestSpark.context("recommend", dir, day, false, all);
    return JobRunner.run(new RecommendJob(), new RunContext(c.job(), runId, c.runDate(), c.dryRun(), c.loaded(), c.spark(),
        c.warehouse(), c.startedAt()));
  }

  private RunLog run(Path dir, LocalDate day, boolean dryRun, String... sets) {
    List<String> all = new ArrayList<>(List.of(
        "catalog.path=" + shared.resolve("catalog"),
        "recommend.purchases_path=" + shared.resolve("purchases"),
        "recommend.order_sensitivity_sample=0.5",
        "recommend.call_partitions=2"));
    all.addAll(List.of(sets));
    RunContext ctx = TestSpark.context("recommend", dir, day, dryRun, all);
    return JobRunner.run(new RecommendJob(), ctx);
  }

  private Dataset<Row> table(Path dir, Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  private static final String[] REC_COLUMNS = {"user_id", "rank", "item_id", "attempt", "seed", "history_order", "phrasing"};

  /** The recommendation rows of a date, as plain values in a fixed order. */
  private List<Map<String, Object>> recs(Path dir, LocalDate day) {
    return rows(table(dir, Table.RECOMMENDATIONS).where(col("run_date").equalTo(java.sql.Date.valueOf(day)))
        .selectExpr(REC_COLUMNS).orderBy(REC_COLUMNS[0], java.util.Arrays.copyOfRange(REC_COLUMNS, 1, REC_COLUMNS.length)));
  }

  /** The values of one string column, in no particular order. */
  private static List<String> strings(Dataset<Row> df, String column) {
    return rows(df.select(column)).stream().map(r -> (String) r.get(column)).toList();
  }

  private Map<String, List<String>> lists(Path dir, LocalDate day) {
    Map<String, List<String>> out = new HashMap<>();
    for (Map<String, Object> r : rows(table(dir, Table.RECOMMENDATIONS).where(col("run_date").equalTo(java.sql.Date.valueOf(day)))
        .orderBy("user_id", "rank"))) {
      out.computeIfAbsent((String) r.get("user_id"), k -> new ArrayList<>()).add((String) r.get("item_id"));
    }
    return out;
  }

  private Map<String, Double> metrics(Path dir, LocalDate day, String phrasing) {
    Map<String, Double> m = new HashMap<>();
    for (Map<String, Object> r : rows(table(dir, Table.RECOMMENDATION_METRICS)
        .where(col("run_date").equalTo(java.sql.Date.valueOf(day)).and(col("phrasing").equalTo(phrasing))))) {
      m.put((String) r.get("metric"), (Double) r.get("value"));
    }
    return m;
  }

  @Test
  void recommendsValidatedListsRerunsIdenticallyAndAvoidsYesterdaysSuggestions(@TempDir Path dir) {
    RunLog first = run(dir, DAY1);
    assertThat(first.status()).isEqualTo("succeeded");
    List<Map<String, Object>> day1 = recs(dir, DAY1);
    assertThat(day1).isNotEmpty();
    long metricRows = table(dir, Table.RECOMMENDATION_METRICS).count();
    // The first run is the only run so far: every logged call is its own, one row per call.
    assertThat(table(dir, Table.RUNS).count()).isEqualTo(1);
    assertThat(first.get("calls")).isPositive();
    long calls1 = table(dir, Table.LLM_CALLS).where(col("run_id").equalTo(runIdOf(dir, DAY1))).count();
    assertThat(calls1).isEqualTo(first.get("calls"));

    // Rerun of the same date: no model call, identical rows, none duplicated, metrics replaced;
    // embeddings come from the cache.
    long callRows = table(dir, Table.LLM_CALLS).count();
    RunLog rerun = run(dir, DAY1);
    assertThat(rerun.get("calls")).isZero();
    assertThat(rerun.get("users_done_before")).isEqualTo(first.get("users"));
    assertThat(table(dir, Table.LLM_CALLS).count()).isEqualTo(callRows);
    assertThat(recs(dir, DAY1)).isEqualTo(day1);
    assertThat(table(dir, Table.RECOMMENDATIONS).count()).isEqualTo(day1.size());
    assertThat(table(dir, Table.RECOMMENDATION_METRICS).count()).isEqualTo(metricRows);
    assertThat(rerun.get("embeddings_computed")).isZero();
    assertThat(rerun.get("embeddings_cached")).isEqualTo(first.get("catalog_items"));

    // Every item is in the catalog, not in the user's history, not repeated within its list.
    Set<String> catalog = new HashSet<>(strings(table(dir, Table.ITEM_EMBEDDINGS), "item_id"));
    Map<String, Set<String>> history = new HashMap<>();
    for (Map<String, Object> r : rows(spark.read().format("delta").load(shared.resolve("purchases").toString())
        .where(col("user_id").isNotNull()))) {
      history.computeIfAbsent((String) r.get("user_id"), k -> new HashSet<>()).add((String) r.get("item_id"));
    }
    Map<String, List<String>> l1 = lists(dir, DAY1);
    assertThat(l1).isNotEmpty();
    for (Map.Entry<String, List<String>> e : l1.entrySet()) {
      assertThat(catalog).containsAll(e.getValue());
      assertThat(e.getValue()).doesNotHaveDuplicates().doesNotContainAnyElementsOf(history.get(e.getKey()));
      assertThat(e.getValue()).hasSizeLessThanOrEqualTo(10);
    }
    // recommend.max_per_category (default 5): no list holds more than 5 items of one category.
    Map<String, String> categoryOf = new HashMap<>();
    for (Row r : spark.read().format("delta").load(shared.resolve("catalog").toString())
        .select(trim(col("item_id")).as("id"), trim(col("title")).as("t"), coalesce(col("category"), lit("")).as("c"))
        .where("id <> '' AND t IS NOT NULL AND t <> ''")
        .groupBy("id").agg(min(struct(col("t"), col("c"))).as("m")).select("id", "m.c").collectAsList()) {
      categoryOf.put(r.getAs("id"), r.getAs("c"));
    }
    for (List<String> l : l1.values()) {
      Map<String, Integer> perCategory = new HashMap<>();
      l.stream().map(categoryOf::get).filter(c -> !c.isBlank()).forEach(c -> perCategory.merge(c, 1, Integer::sum));
      assertThat(perCategory.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(5));
    }
    // The seed and the order used are logged with each row and in the request.
    assertThat(day1).allSatisfy(r -> assertThat((List<?>) r.get("history_order")).isNotEmpty());
    assertThat(strings(table(dir, Table.LLM_CALLS), "request")).isNotEmpty()
        .allSatisfy(request -> assertThat(request).contains(RecommendPrompt.OPEN_TAG));

    // Metrics: one row per metric for the run and for each phrasing, values in range; shuffling matters.
    Map<String, Double> all = metrics(dir, DAY1, "all");
    assertThat(all.keySet()).containsExactlyInAnyOrderElementsOf(DailyMetrics.METRICS);
    for (String p : List.of("0", "1", "2")) {
      assertThat(metrics(dir, DAY1, p)).hasSize(DailyMetrics.METRICS.size());
    }
    for (String rate : List.of("catalog_coverage", "hallucination_rate", "history_repeat_rate", "duplicate_rate",
        "resample_rate", "order_sensitivity", "intra_list_diversity", "category_dominated_rate")) {
      assertThat(all.get(rate)).as(rate).isBetween(0.0, 1.0);
    }
    assertThat(all.get("order_sensitivity")).isGreaterThan(0.0);
    assertThat(all.get("temporal_diversity")).isNaN();
    assertThat(all.get("novelty")).isPositive();
    assertThat(all.get("novelty_recommenders")).isPositive().isLessThan(all.get("novelty"));
    assertThat(all.get("categories_per_list")).isBetween(2.0, 10.0);

    // Rejected purchase rows are kept with their reason.
    assertThat(strings(table(dir, Table.RECOMMEND_REJECTS).select("reason").distinct(), "reason"))
        .contains("null_user", "unknown_item");

    // Next day: yesterday's suggestions are avoided.
    run(dir, DAY2);
    Map<String, List<String>> l2 = lists(dir, DAY2);
    long repeated = 0;
    long slots = 0;
    for (Map.Entry<String, List<String>> e : l2.entrySet()) {
      slots += e.getValue().size();
      repeated += e.getValue().stream().filter(i -> l1.getOrDefault(e.getKey(), List.of()).contains(i)).count();
    }
    assertThat(slots).isPositive();
    assertThat(repeated).isZero();
    assertThat(metrics(dir, DAY2, "all").get("temporal_diversity")).isEqualTo(1.0);
  }

  @Test
  void aRunCutShortResumesWithOnlyTheUsersNoBatchCommitted(@TempDir Path dir) {
    RunLog first = run(dir, DAY1, "recommend.batch_size=20");
    assertThat(first.status()).isEqualTo("succeeded");
    List<Map<String, Object>> complete = recs(dir, DAY1);
    long calls = table(dir, Table.LLM_CALLS).count();
    // The state a crash before the last batch's commit leaves: those users' rows and calls are missing.
    List<String> lost = strings(table(dir, Table.RECOMMENDATION_USERS).select("user_id").orderBy("user_id").limit(15), "user_id");
    assertThat(lost).hasSize(15);
    String inLost = "user_id IN ('" + String.join("','", lost) + "')";
    String callsOfLost = "item_key IN ('" + String.join("','", lost) + "')";
    long lostCalls = table(dir, Table.LLM_CALLS).where(callsOfLost).count();
    assertThat(lostCalls).isGreaterThanOrEqualTo(lost.size());
    io.delta.tables.DeltaTable.forPath(spark, dir.resolve("warehouse/recommendation_users").toString()).delete(inLost);
    io.delta.tables.DeltaTable.forPath(spark, dir.resolve("warehouse/llm_calls").toString()).delete(callsOfLost);

    RunLog resumed = run(dir, DAY1, "recommend.batch_size=20");
    // Exactly the lost users are called again, with the same calls, and the lists come out the same.
    assertThat(resumed.get("users_to_call")).isEqualTo(lost.size());
    assertThat(resumed.get("calls")).isEqualTo(lostCalls);
    assertThat(strings(table(dir, Table.LLM_CALLS).where(col("run_id").equalTo(runIdOf(dir, DAY1))).select("item_key").distinct(),
        "item_key").stream().sorted().toList()).isEqualTo(lost);
    assertThat(table(dir, Table.LLM_CALLS).count()).isEqualTo(calls);
    assertThat(recs(dir, DAY1)).isEqualTo(complete);
    assertThat(table(dir, Table.RECOMMENDATION_USERS).count()).isEqualTo(first.get("users"));
  }

  @Test
  void usersLeftOutByTheBudgetAreCalledByTheNextRunOfTheDateEvenUnderTheSameRunId(@TempDir Path dir) {
    RunLog capped = runAs("recommend-retried", dir, DAY1, "llm.budget.max_calls=25", "recommend.max_attempts=1",
        "recommend.order_sensitivity_sample=0");
    assertThat(capped.get("calls")).isEqualTo(25);
    long skipped = capped.get("users_budget_skipped");
    assertThat(skipped).isEqualTo(capped.get("users") - 25);
    assertThat(table(dir, Table.RECOMMENDATIONS).select("user_id").distinct().count()).isEqualTo(25);

    // The same run id again: its batches must still be written (Delta must not skip them as done).
    RunLog rest = runAs("recommend-retried", dir, DAY1, "recommend.max_attempts=1", "recommend.order_sensitivity_sample=0");
    assertThat(rest.get("users_to_call")).isEqualTo(skipped);
    assertThat(rest.get("calls")).isEqualTo(skipped);
    assertThat(table(dir, Table.RECOMMENDATION_USERS).count()).isEqualTo(capped.get("users"));
    assertThat(table(dir, Table.RECOMMENDATION_USERS).where(col("status").notEqual("ok")).count()).isZero();
    assertThat(table(dir, Table.RECOMMENDATIONS).select("user_id").distinct().count()).isEqualTo(capped.get("users"));
  }

  private String runIdOf(Path dir, LocalDate day) {
    return table(dir, Table.RUNS).where(col("run_date").equalTo(java.sql.Date.valueOf(day)))
        .orderBy(col("started_at").desc()).first().getAs("run_id");
  }

  @Test
  void dryRunPlansWithoutEmbeddingOrWriting(@TempDir Path dir) {
    RunLog plan = run(dir, DAY1, true);
    assertThat(plan.status()).isEqualTo("dry_run");
    assertThat(plan.get("users")).isPositive();
    assertThat(plan.get("embeddings_computed")).isZero();
    assertThat(dir.resolve("warehouse").resolve(Table.RECOMMENDATIONS.tableName())).doesNotExist();
  }

  @Test
  void missingPurchasesAreAConfigErrorNamingTheKey(@TempDir Path dir) {
    assertThatThrownBy(() -> run(dir, DAY1, "recommend.purchases_path=" + dir.resolve("nowhere")))
        .isInstanceOf(io.flywheel.config.ConfigException.class)
        .hasMessageContaining("recommend.purchases_path")
        .hasMessageContaining("nowhere");
    spark.read().format("delta").load(shared.resolve("purchases").toString()).drop("purchased_at")
        .write().format("delta").save(dir.resolve("no-dates").toString());
    assertThatThrownBy(() -> run(dir, DAY1, "recommend.purchases_path=" + dir.resolve("no-dates")))
        .isInstanceOf(io.flywheel.config.ConfigException.class)
        .hasMessageContaining("no column 'purchased_at'");
  }

  @Test
  void withoutShufflingTheOrderDoesNotChangeTheAnswer(@TempDir Path dir) {
    run(dir, DAY1, "recommend.shuffle=false", "recommend.max_attempts=1");
    assertThat(metrics(dir, DAY1, "all").get("order_sensitivity")).isEqualTo(0.0);
  }
}
