package io.flywheel.eval;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.config.ConfigException;
import io.flywheel.config.ConfigLoader;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.job.JobRunner;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.SummarizeJob;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import io.flywheel.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval-assert end to end: the built-in suite over a table with planted failures (each caught, the
 * clean rows passing), reruns, the pass-rate gate, bad targets, and the suite over the calls a real
 * summarize run logged.
 */
class EvalAssertJobIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private static final String KETTLE = "The Norvik kettle boils 1.5 litres in 4 minutes and switches off by itself.";
  private final SparkSession spark = TestSpark.session();

  @TempDir static Path inputs;

  /** Target rows by key: input, output, and the criteria of summary_basics the row must fail. */
  private static final Map<String, String[]> ROWS = new LinkedHashMap<>();
  private static final Map<String, Set<String>> FAILS = new LinkedHashMap<>();

  private static void row(String key, String input, String output, String... fails) {
    ROWS.put(key, new String[] {input, output});
    FAILS.put(key, new TreeSet<>(List.of(fails)));
  }

  @BeforeAll
  static void target() throws IOException {
    String item = "{\"title\":\"Norvik Kettle 300\",\"description\":\"" + KETTLE + "\"}";
    row("clean-1", item, "{\"summary\":\"" + KETTLE + "\",\"key_features\":[\"1.5 litres\",\"4 minutes\"]}");
    row("clean-2", item, "{\"summary\":\"A kettle by Norvik that boils 1.5 litres in 4 minutes.\",\"key_features\":[\"switches off by itself\"]}");
    row("ungrounded", item, "{\"summary\":\"The Norvik kettle boils 2.5 litres in 4 minutes and switches off by itself.\",\"key_features\":[]}",
        "grounded");
    row("pii", item + " Contact jane.doe@example.com",
        "{\"summary\":\"" + KETTLE + " Write to jane.doe@example.com for help.\",\"key_features\":[]}", "no_pii");
    row("not-json", item, KETTLE, "valid_json");
    String german = "Der Wasserkocher von Norvik kocht schnell und leise in jeder kleinen Küche und schaltet sich selbst ab.";
    row("german", "{\"description\":\"" + german + "\"}", "{\"summary\":\"" + german + "\",\"key_features\":[]}", "english");
    row("too-short", item, "{\"summary\":\"Kettle.\",\"key_features\":[]}", "length");
    row("empty", item, null, AssertionRows.HAS_OUTPUT);
    StringBuilder lines = new StringBuilder();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (Map.Entry<String, String[]> e : ROWS.entrySet()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.getKey());
      m.put("prompt_input", e.getValue()[0]);
      m.put("answer", e.getValue()[1]);
      lines.append(json.writeValueAsString(m)).append('\n');
    }
    // The same key twice: two rows, told apart in eval_assertions.
    lines.append("{\"id\":\"clean-1\",\"prompt_input\":").append(json.writeValueAsString(item))
        .append(",\"answer\":").append(json.writeValueAsString("{\"summary\":\"" + KETTLE + "\",\"key_features\":[]}")).append("}\n");
    Files.createDirectories(inputs.resolve("target"));
    Files.writeString(inputs.resolve("target/part-0.json"), lines.toString());
  }

  private static List<String> targetSets(String... more) {
    List<String> sets = new ArrayList<>(List.of("eval.assert.target=" + inputs.resolve("target"), "eval.assert.format=json",
        "eval.assert.columns.key=id", "eval.assert.columns.input=prompt_input", "eval.assert.columns.output=answer"));
    sets.addAll(List.of(more));
    return sets;
  }

  private static RunContext context(Path dir, Path conf, List<String> sets) {
    List<String> all = TestSpark.baseSets(dir);
    all.addAll(sets);
    ConfigLoader.Loaded loaded = ConfigLoader.load(conf, Map.of(), all);
    SparkSession s = TestSpark.session();
    return new RunContext("eval-assert", "eval-assert-" + System.nanoTime(), DAY, false, loaded, s,
        new Warehouse(s, loaded.config().warehouse().root(), ""), Instant.now());
  }

  private Dataset<Row> table(Path dir, Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  @Test
  void theSuiteCatchesEveryPlantedFailurePassesTheCleanRowsAndARerunReplacesItsRows(@TempDir Path dir) {
    RunLog log = JobRunner.run(new EvalAssertJob(), context(dir, null, targetSets()));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(log.get("rows")).isEqualTo(ROWS.size() + 1);
    assertThat(log.get("rows_without_output")).isEqualTo(1);
    Map<String, Set<String>> failed = new TreeMap<>();
    Map<String, Integer> checked = new HashMap<>();
    for (Map<String, Object> r : TestSpark.rows(table(dir, Table.EVAL_ASSERTIONS))) {
      String key = (String) r.get("row_key");
      checked.merge(key, 1, Integer::sum);
      failed.computeIfAbsent(key, k -> new TreeSet<>());
      if (!(Boolean) r.get("passed")) {
        failed.get(key).add((String) r.get("criterion"));
        assertThat((String) r.get("detail")).as("why %s fails %s", key, r.get("criterion")).isNotBlank();
      }
      assertThat(r.get("suite")).isEqualTo("summary_basics");
    }
    Map<String, Set<String>> expected = new TreeMap<>(FAILS);
    expected.put("clean-1#2", Set.of());
    assertThat(failed).isEqualTo(expected);
    // has_output and the five criteria for each row with an output; has_output alone for the empty one.
    int criteria = 5;
    assertThat(checked.get("empty")).isEqualTo(1);
    assertThat(checked.get("clean-1")).isEqualTo(1 + criteria);

    // eval_runs: the counts the rows above give, criterion by criterion.
    Map<String, long[]> runs = new TreeMap<>();
    for (Map<String, Object> r : TestSpark.rows(table(dir, Table.EVAL_RUNS))) {
      runs.put((String) r.get("criterion"), new long[] {(Long) r.get("rows"), (Long) r.get("passed")});
      if ((Long) r.get("rows") > 0) {
        assertThat((Double) r.get("ci_low")).isLessThanOrEqualTo((Double) r.get("pass_rate"));
        assertThat((Double) r.get("ci_high")).isGreaterThanOrEqualTo((Double) r.get("pass_rate"));
      }
    }
    long withOutput = expected.size() - 1;
    assertThat(runs.get(AssertionRows.HAS_OUTPUT)).containsExactly(expected.size(), withOutput);
    for (String c : List.of("valid_json", "length", "grounded", "english", "no_pii")) {
      long failing = expected.values().stream().filter(f -> f.contains(c)).count();
      assertThat(runs.get(c)).as(c).containsExactly(withOutput, withOutput - failing);
    }
    long allPass = expected.values().stream().filter(Set::isEmpty).count();
    assertThat(runs.get(AssertionRows.ALL_CRITERIA)).containsExactly(withOutput, allPass);
    assertThat(log.get("metric_pass_rate_valid_json_x1e4")).isEqualTo(Math.round(10_000.0 * (withOutput - 1) / withOutput));

    // The same date again: its rows are replaced, not added to.
    long assertions = table(dir, Table.EVAL_ASSERTIONS).count();
    JobRunner.run(new EvalAssertJob(), context(dir, null, targetSets()));
    assertThat(table(dir, Table.EVAL_ASSERTIONS).count()).isEqualTo(assertions);
    assertThat(table(dir, Table.EVAL_RUNS).count()).isEqualTo(runs.size());
  }

  @Test
  void aSuiteFromTheConfigFileKeepsItsOwnRowsAndItsPassRateGateFailsTheRunAfterWriting(@TempDir Path dir) throws IOException {
    JobRunner.run(new EvalAssertJob(), context(dir, null, targetSets()));
    Path conf = dir.resolve("eval.yaml");
    Files.writeString(conf, """
        eval:
          suites:
            strict:
              criteria:
                - {name: json, type: json_schema, schema: catalog_summary}
                - {name: no_contact, type: must_not_include, patterns: ['@']}
                - {type: no_pii}
        """);
    RunContext strict = context(dir, conf, targetSets("eval.assert.suite=strict", "eval.assert.min_pass_rate=0.9"));
    RunLog log = JobRunner.run(new EvalAssertJob(), strict);

    assertThat(log.status()).isEqualTo("failed");
    Row run = table(dir, Table.RUNS).where(col("run_id").equalTo(strict.runId())).first();
    assertThat(run.<String>getAs("message")).contains("eval.assert.min_pass_rate").contains("json 0.875").contains("no_contact 0.875")
        .contains("no_pii 0.875");
    // Both suites' rows are there, each under its own key.
    assertThat(TestSpark.rows(table(dir, Table.EVAL_RUNS).groupBy("suite").count().orderBy("suite")))
        .containsExactly(Map.of("suite", "strict", "count", 5L), Map.of("suite", "summary_basics", "count", 7L));
  }

  @Test
  void aTargetWithoutTheMappedColumnOrAnUnknownSuiteIsAConfigErrorNamingTheKeyAndWritesNothing(@TempDir Path dir) {
    assertThatThrownBy(() -> JobRunner.run(new EvalAssertJob(), context(dir, null, targetSets("eval.assert.columns.output=reply"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.assert.columns.output").hasMessageContaining("'reply'");
    assertThatThrownBy(() -> context(dir, null, targetSets("eval.assert.suite=nope")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.assert.suite").hasMessageContaining("summary_basics");
    assertThatThrownBy(() -> JobRunner.run(new EvalAssertJob(), context(dir, null, List.of("eval.assert.target=llm_calls"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.assert.target").hasMessageContaining("no llm_calls");
    assertThat(dir.resolve("warehouse")).doesNotExist();
  }

  @Test
  void overTheCallsOfARealSummarizeRunEveryOkAnswerIsValidJsonAsTheProviderPathJudgedIt(@TempDir Path dir) {
    GenerateJob.catalog(spark, 60, new CatalogGenerator(7, 0, 1))
        .write().format("delta").mode("overwrite").save(dir.resolve("catalog").toString());
    RunContext summarize = TestSpark.context("summarize", dir, DAY, false, List.of());
    assertThat(JobRunner.run(new SummarizeJob(), summarize).status()).isEqualTo("succeeded");

    RunLog log = JobRunner.run(new EvalAssertJob(), context(dir, null, List.of()));

    Dataset<Row> calls = table(dir, Table.LLM_CALLS).where(col("run_date").equalTo(java.sql.Date.valueOf(DAY)));
    assertThat(log.get("rows")).isEqualTo(calls.count()).isPositive();
    Dataset<Row> json = table(dir, Table.EVAL_ASSERTIONS).where(col("criterion").equalTo("valid_json"));
    List<Map<String, Object>> joined = TestSpark.rows(json.join(calls, json.col("row_key").equalTo(calls.col("call_id")))
        .select(calls.col("status"), json.col("passed"), json.col("target")));
    assertThat(joined).hasSize((int) calls.where(col("response").isNotNull()).count());
    for (Map<String, Object> r : joined) {
      assertThat(r.get("target")).isEqualTo("llm_calls[job=summarize]");
      if (r.get("status").equals("ok")) {
        assertThat(r.get("passed")).as("an ok call's answer passed the provider's schema check").isEqualTo(true);
      }
    }
    // The extractive baseline copies from the item: its ok answers are grounded and free of PII.
    Dataset<Row> ok = calls.where(col("status").equalTo("ok")).select("call_id");
    Dataset<Row> checks = table(dir, Table.EVAL_ASSERTIONS).where(col("criterion").isin("grounded", "no_pii"));
    Dataset<Row> okChecks = checks.join(ok, checks.col("row_key").equalTo(ok.col("call_id")));
    assertThat(okChecks.count()).isEqualTo(2 * ok.count());
    assertThat(TestSpark.rows(okChecks.where(col("passed").equalTo(false)).select("row_key", "criterion", "detail"))).isEmpty();
  }
}
