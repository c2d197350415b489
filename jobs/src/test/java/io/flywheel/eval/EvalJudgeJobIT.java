package io.flywheel.eval;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.job.JobRunner;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval-judge and judge-calibration end to end on two small tables of outputs: the local judge offline,
 * the fault-injecting server as a scripted judge (a judge that prefers A's outputs in both orders, one
 * that always prefers the first response, one that says tie, one answer without a verdict), the
 * length-imbalanced pair reported apart, a rerun that asks nothing and duplicates nothing, and the
 * judge's agreement with reviewers' answers.
 */
class EvalJudgeJobIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KETTLE =
      "{\"title\":\"Norvik Kettle 300\",\"description\":\"The Norvik kettle boils 1.5 litres in 4 minutes and switches off by itself.\"}";
  private static final String FAN = "{\"title\":\"Breeze fan\",\"description\":\"A quiet fan for small rooms.\"}";
  private final SparkSession spark = TestSpark.session();
  private FakeLlmServer server;

  @TempDir static Path inputs;

  /** Side A's and B's rows: key, input, output (null: none). */
  private static final List<String[]> A = new ArrayList<>();
  private static final List<String[]> B = new ArrayList<>();

  private static void pair(String key, String input, String a, String inputB, String b) {
    if (a != null || input != null) {
      A.add(new String[] {key, input, a});
    }
    if (inputB != null) {
      B.add(new String[] {key, inputB, b});
    }
  }

  @BeforeAll
  static void sides() throws IOException {
    pair("p1", KETTLE, "The Norvik kettle boils 1.5 litres in 4 minutes.", KETTLE, "The Norvik kettle boils 2.5 litres in 3 minutes.");
    pair("p2", KETTLE, "A kettle that boils 1.5 litres.", KETTLE, "A kettle that boils 1.5 litres.");
    pair("p3", KETTLE, "Boils 1.5 litres.", KETTLE, "The Norvik kettle boils 1.5 litres in 4 minutes and switches off by itself,"
        + " so it suits a small kitchen and a busy morning alike.");
    pair("p4", KETTLE, "The kettle boils 1.5 litres in 4 minutes.", KETTLE, "Made by Acme, the kettle boils 1.5 litres.");
    pair("p5", KETTLE, "It boils water quickly.", KETTLE, "The Norvik kettle switches off by itself.");
    pair("p6", KETTLE, "Only A has this one.", null, null);
    pair("p7", KETTLE, "B has no output for this one.", KETTLE, null);
    pair("p8", KETTLE, "The inputs of this pair differ.", FAN, "A quiet fan.");
    write(inputs.resolve("a"), A);
    write(inputs.resolve("b"), B);
  }

  private static void write(Path dir, List<String[]> rows) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (String[] r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", r[0]);
      m.put("prompt_input", r[1]);
      m.put("answer", r[2]);
      lines.append(JSON.writeValueAsString(m)).append('\n');
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("part-0.json"), lines.toString());
  }

  /** A's outputs: what a judge that prefers A recognizes. */
  private static Set<String> outputsOfA() {
    Set<String> out = new java.util.HashSet<>();
    A.forEach(r -> out.add(r[2]));
    return out;
  }

  @BeforeEach
  void start() {
    server = FakeLlmServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static List<String> sides(String side) {
    String p = "eval.judge." + side + ".";
    return List.of(p + "target=" + inputs.resolve(side), p + "format=json", p + "columns.key=id",
        p + "columns.input=prompt_input", p + "columns.output=answer");
  }

  private RunContext context(String job, Path dir, boolean fake, String... more) throws IOException {
    List<String> sets = new ArrayList<>(sides("a"));
    sets.addAll(sides("b"));
    if (fake) {
      Path key = dir.resolve("api-key");
      Files.createDirectories(dir);
      Files.writeString(key, "judge-key\n");
      sets.addAll(List.of("llm.provider=openai", "llm.model=judge-1", "llm.base_url=" + server.openAiBaseUrl(),
          "llm.api_key_file=" + key, "llm.max_attempts=1", "llm.max_concurrency=2", "eval.judge.batch_size=4"));
    }
    sets.addAll(List.of(more));
    return TestSpark.context(job, dir, DAY, false, sets);
  }

  private Dataset<Row> table(Path dir, Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  /** eval_judgements by input key: the final verdict, or a column of it. */
  private Map<String, Object> byKey(Path dir, String column) {
    Map<String, Object> out = new TreeMap<>();
    for (Map<String, Object> r : TestSpark.rows(table(dir, Table.EVAL_JUDGEMENTS))) {
      out.put((String) r.get("input_key"), r.get(column));
    }
    return out;
  }

  /** eval_judge_runs: pairs_included to (pairs, wins, ties, losses). */
  private Map<String, List<Long>> rates(Path dir) {
    Map<String, List<Long>> out = new TreeMap<>();
    for (Map<String, Object> r : TestSpark.rows(table(dir, Table.EVAL_JUDGE_RUNS))) {
      out.put((String) r.get("pairs_included"),
          List.of((Long) r.get("pairs"), (Long) r.get("wins"), (Long) r.get("ties"), (Long) r.get("losses")));
    }
    return out;
  }

  /** The comparison block of a judge request, as the script reads it. */
  private static JsonNode comparison(FakeLlmServer.Request r) {
    JsonNode messages = r.body().path("messages");
    String user = messages.get(messages.size() - 1).path("content").asText();
    try {
      return JSON.readTree(user.substring(user.indexOf(JudgePrompt.COMPARISON_OPEN) + JudgePrompt.COMPARISON_OPEN.length(),
          user.lastIndexOf(JudgePrompt.COMPARISON_CLOSE)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FakeLlmServer.Reply verdict(String reasoning, String verdict) {
    return FakeLlmServer.Reply.answer().content("{\"reasoning\":\"" + reasoning + "\",\"verdict\":\"" + verdict + "\"}");
  }

  @Test
  void theLocalJudgeRunsOfflinePrefersTheGroundedOutputsAndCountsWhatItCouldNotPair(@TempDir Path dir) throws IOException {
    RunLog log = JobRunner.run(new EvalJudgeJob(), context("eval-judge", dir, false));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(log.get("a_keys")).isEqualTo(8);
    assertThat(log.get("b_keys")).isEqualTo(6);
    assertThat(log.get("pairs")).isEqualTo(6);
    assertThat(log.get("a_only")).isEqualTo(2);
    assertThat(log.get("pairs_input_differs")).isEqualTo(1);
    assertThat(log.get("pairs_identical")).isEqualTo(1);
    assertThat(log.get("judge_questions")).isEqualTo(8);
    assertThat(log.get("calls")).isEqualTo(8);
    // p1: B invents numbers; p4: B names a brand the item does not; p3 and p5 pass the same checks.
    assertThat(byKey(dir, "verdict")).isEqualTo(Map.of("p1", "A", "p2", "tie", "p3", "tie", "p4", "A", "p5", "tie"));
    assertThat(byKey(dir, "identical")).isEqualTo(Map.of("p1", false, "p2", true, "p3", false, "p4", false, "p5", false));
    assertThat(byKey(dir, "length_imbalanced")).isEqualTo(Map.of("p1", false, "p2", false, "p3", true, "p4", false, "p5", false));
    assertThat((String) byKey(dir, "reasoning_ba").get("p1")).contains("Response B passes 3 of 3 checks")
        .contains("Response A passes 2 of 3 checks");
    assertThat(rates(dir)).isEqualTo(Map.of(EvalJudgeJob.ALL, List.of(5L, 2L, 3L, 0L),
        EvalJudgeJob.LENGTH_BALANCED, List.of(4L, 2L, 2L, 0L)));
    assertThat(TestSpark.rows(table(dir, Table.LLM_CALLS).groupBy("job", "provider", "prompt_id", "status").count()))
        .containsExactly(Map.of("job", "eval-judge", "provider", "local", "prompt_id", "pairwise_judge", "status", "ok", "count", 8L));
  }

  @Test
  void aJudgePreferringAInBothOrdersGivesAWinsAndARerunAsksNothingAndDuplicatesNothing(@TempDir Path dir) throws IOException {
    Set<String> ofA = outputsOfA();
    server.script(r -> {
      JsonNode c = comparison(r);
      boolean aFirst = ofA.contains(c.path("response_a").asText());
      return verdict("the response from side A is better", aFirst ? "A" : "B");
    });
    RunLog log = JobRunner.run(new EvalJudgeJob(), context("eval-judge", dir, true));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(server.seen()).hasSize(8);
    assertThat(byKey(dir, "verdict")).isEqualTo(Map.of("p1", "A", "p2", "tie", "p3", "A", "p4", "A", "p5", "A"));
    assertThat(byKey(dir, "verdict_ab")).containsEntry("p1", "A");
    assertThat(byKey(dir, "verdict_ba")).as("the swapped order's verdict, mapped back").containsEntry("p1", "A");
    assertThat(byKey(dir, "reasoning_ab")).containsEntry("p1", "the response from side A is better");
    assertThat(byKey(dir, "judge_model")).containsEntry("p1", "openai/judge-1");
    // The length-imbalanced pair (p3) is a win: without it, one win fewer out of one pair fewer.
    assertThat(rates(dir)).isEqualTo(Map.of(EvalJudgeJob.ALL, List.of(5L, 4L, 1L, 0L),
        EvalJudgeJob.LENGTH_BALANCED, List.of(4L, 3L, 1L, 0L)));
    Map<String, Object> all = TestSpark.rows(table(dir, Table.EVAL_JUDGE_RUNS).where(col("pairs_included").equalTo("all"))).get(0);
    WinRates expected = WinRates.of(4, 1, 0);
    assertThat((Double) all.get("win_low")).isCloseTo(expected.winRate().low(), within(1e-12));
    assertThat((Double) all.get("score")).isCloseTo(0.9, within(1e-12));

    long calls = table(dir, Table.LLM_CALLS).count();
    long judgements = table(dir, Table.EVAL_JUDGEMENTS).count();
    RunLog again = JobRunner.run(new EvalJudgeJob(), context("eval-judge", dir, true));

    assertThat(again.status()).isEqualTo("succeeded");
    assertThat(again.get("plan_calls")).isZero();
    assertThat(server.seen()).as("a rerun of the date asks the judge nothing").hasSize(8);
    assertThat(table(dir, Table.LLM_CALLS).count()).isEqualTo(calls);
    assertThat(table(dir, Table.EVAL_JUDGEMENTS).count()).isEqualTo(judgements).isEqualTo(5);
    assertThat(table(dir, Table.EVAL_JUDGE_RUNS).count()).isEqualTo(2);
    assertThat(byKey(dir, "verdict")).isEqualTo(Map.of("p1", "A", "p2", "tie", "p3", "A", "p4", "A", "p5", "A"));
  }

  @Test
  void aJudgeThatAlwaysPrefersTheFirstResponseDecidesNothing(@TempDir Path dir) throws IOException {
    server.script(r -> verdict("the first response is better", "A"));
    RunLog log = JobRunner.run(new EvalJudgeJob(), context("eval-judge", dir, true));

    assertThat(log.status()).isEqualTo("succeeded");
    Map<String, Object> verdicts = byKey(dir, "verdict");
    assertThat(verdicts).hasSize(5).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("tie"));
    assertThat(byKey(dir, "verdict_ab")).containsEntry("p1", "A").containsEntry("p4", "A");
    assertThat(byKey(dir, "verdict_ba")).containsEntry("p1", "B").containsEntry("p4", "B");
    assertThat(rates(dir).get(EvalJudgeJob.ALL)).isEqualTo(List.of(5L, 0L, 5L, 0L));
  }

  @Test
  void aScriptedTieIsATieAndAnAnswerWithoutAVerdictIsStoredAsGivenAndAskedAgainNextRun(@TempDir Path dir) throws IOException {
    Function<FakeLlmServer.Request, FakeLlmServer.Reply> tieOrGarbage = r -> {
      // p4 in the swapped order: an answer without a verdict, also to the repair request (which only it gets).
      if (r.repair() || comparison(r).path("response_a").asText().startsWith("Made by Acme")) {
        return FakeLlmServer.Reply.answer().content("I cannot decide between them.");
      }
      return verdict("both say the same", "tie");
    };
    server.script(tieOrGarbage);
    RunLog log = JobRunner.run(new EvalJudgeJob(), context("eval-judge", dir, true, "eval.judge.max_failure_ratio=0.5"));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(byKey(dir, "verdict")).isEqualTo(Map.of("p1", "tie", "p2", "tie", "p3", "tie", "p4", "tie", "p5", "tie"));
    assertThat(byKey(dir, "reasoning_ab")).containsEntry("p5", "both say the same");
    assertThat(byKey(dir, "verdict_ab")).containsEntry("p4", "tie");
    assertThat(byKey(dir, "verdict_ba")).containsEntry("p4", null);
    assertThat((String) byKey(dir, "answer_ba").get("p4")).contains("I cannot decide between them.");
    assertThat(log.get("failed")).as("the answer broke the response schema").isEqualTo(1);
    assertThat(log.get("error_invalid_output")).isEqualTo(1);
    assertThat(log.get("judge_answers_without_verdict")).isEqualTo(1);

    int seen = server.seen().size();
    RunLog again = JobRunner.run(new EvalJudgeJob(), context("eval-judge", dir, true, "eval.judge.max_failure_ratio=0.5"));
    assertThat(again.get("plan_calls")).as("only the question without a verdict is asked again").isEqualTo(1);
    assertThat(server.seen().size() - seen).isEqualTo(2); // the question and its one repair request
  }

  @Test
  void twoSummarizeRunsAreComparedItemByItemFromTheirLoggedCalls(@TempDir Path dir) throws IOException {
    io.flywheel.generate.GenerateJob.catalog(spark, 12, new io.flywheel.generate.CatalogGenerator(7, 0, 1))
        .write().format("delta").mode("overwrite").save(dir.resolve("catalog").toString());
    RunContext first = TestSpark.context("summarize", dir, DAY, false, List.of());
    assertThat(JobRunner.run(new io.flywheel.summarize.SummarizeJob(), first).status()).isEqualTo("succeeded");
    // A smaller output budget: another cache key, so every item is summarized again, shorter.
    RunContext second = TestSpark.context("summarize", dir, DAY, false, List.of("summarize.decoding.max_output_tokens=30"));
    assertThat(JobRunner.run(new io.flywheel.summarize.SummarizeJob(), second).status()).isEqualTo("succeeded");

    RunLog log = JobRunner.run(new EvalJudgeJob(), TestSpark.context("eval-judge", dir, DAY, false,
        List.of("eval.judge.a.run_id=" + first.runId(), "eval.judge.b.run_id=" + second.runId())));

    assertThat(log.status()).isEqualTo("succeeded");
    Dataset<Row> calls = table(dir, Table.LLM_CALLS).where(col("job").equalTo("summarize").and(col("response").isNotNull()));
    long itemsA = calls.where(col("run_id").equalTo(first.runId())).select("item_key").distinct().count();
    long itemsB = calls.where(col("run_id").equalTo(second.runId())).select("item_key").distinct().count();
    assertThat(log.get("a_keys")).isEqualTo(itemsA).isPositive();
    assertThat(log.get("b_keys")).isEqualTo(itemsB);
    assertThat(table(dir, Table.EVAL_JUDGEMENTS).count()).isEqualTo(log.get("pairs")).isPositive();
    // Each judgement names the two calls it compared: one of each run, about the same item.
    Dataset<Row> j = table(dir, Table.EVAL_JUDGEMENTS);
    Dataset<Row> ca = calls.select(col("call_id").as("ca"), col("run_id").as("run_a"), col("item_key").as("item_a"));
    Dataset<Row> cb = calls.select(col("call_id").as("cb"), col("run_id").as("run_b"), col("item_key").as("item_b"));
    List<Map<String, Object>> named = TestSpark.rows(j.join(ca, j.col("id_a").equalTo(ca.col("ca")))
        .join(cb, j.col("id_b").equalTo(cb.col("cb"))).select("input_key", "item_a", "item_b", "run_a", "run_b", "a"));
    assertThat(named).hasSize((int) log.get("pairs"));
    for (Map<String, Object> r : named) {
      assertThat(List.of(r.get("item_a"), r.get("item_b"), r.get("run_a"), r.get("run_b"), r.get("a")))
          .isEqualTo(List.of(r.get("input_key"), r.get("input_key"), first.runId(), second.runId(),
              "llm_calls[job=summarize,run_id=" + first.runId() + "]"));
    }
  }

  /** Answered review_queue rows of {@link #DAY}: call id, question, output, the reviewer's answer. */
  private void reviewQueue(Path dir, List<Object[]> answered) {
    List<Row> rows = new ArrayList<>();
    Timestamp at = Timestamp.valueOf("2026-11-28 12:00:00");
    for (Object[] a : answered) {
      rows.add(RowFactory.create(Date.valueOf(DAY), a[0], a[1], "summarize", "ok", "summarize/ok", "sample",
          a[1].equals("useful") ? "Would this output help the user?" : "Is the output factually consistent with its input?",
          KETTLE, a[2], null, a[3], "reviewer-1", a[3] == null ? null : at, null, "review-run", at));
    }
    spark.createDataFrame(rows, Table.REVIEW_QUEUE.schema()).write().format("delta").mode("overwrite")
        .save(dir.resolve("warehouse").resolve(Table.REVIEW_QUEUE.tableName()).toString());
  }

  @Test
  void calibrationReportsTheJudgesAgreementAndKappaAgainstReviewersPerQuestion(@TempDir Path dir) throws IOException {
    // factually_consistent: people yes on c1..c5, the judge yes on c1..c4 and c6: 6 of 8 agree,
    // p_judge = p_people = 5/8, p_e = 34/64, kappa = (48/64 - 34/64) / (30/64) = 14/30.
    // useful: people yes, no, yes; the judge always yes: 2 of 3 agree, kappa 0. c9 has no answer yet.
    List<Object[]> answered = new ArrayList<>();
    Map<String, String> judge = new TreeMap<>();
    for (int i = 1; i <= 8; i++) {
      String out = "Summary number " + i + " of the kettle.";
      answered.add(new Object[] {"c" + i, "factually_consistent", out, i <= 5});
      judge.put(out, i <= 4 || i == 6 ? "yes" : "no");
    }
    for (int i = 1; i <= 3; i++) {
      String out = "Useful summary " + i + ".";
      answered.add(new Object[] {"u" + i, "useful", out, i != 2});
      judge.put(out, "yes");
    }
    answered.add(new Object[] {"c9", "useful", "Not answered yet.", null});
    reviewQueue(dir, answered);
    server.script(r -> {
      JsonNode messages = r.body().path("messages");
      String user = messages.get(messages.size() - 1).path("content").asText();
      JsonNode b;
      try {
        b = JSON.readTree(user.substring(user.indexOf(JudgePrompt.LABELING_OPEN) + JudgePrompt.LABELING_OPEN.length(),
            user.lastIndexOf(JudgePrompt.LABELING_CLOSE)));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return FakeLlmServer.Reply.answer().content("{\"reasoning\":\"checked\",\"answer\":\"" + judge.get(b.path("output").asText()) + "\"}");
    });

    RunLog log = JobRunner.run(new JudgeCalibrationJob(), context("judge-calibration", dir, true));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(log.get("answers")).isEqualTo(11);
    assertThat(server.seen()).hasSize(11);
    Map<String, Map<String, Object>> byQuestion = new TreeMap<>();
    for (Map<String, Object> r : TestSpark.rows(table(dir, Table.JUDGE_CALIBRATION))) {
      byQuestion.put((String) r.get("question"), r);
    }
    assertThat(byQuestion).containsOnlyKeys("factually_consistent", "useful");
    Map<String, Object> f = byQuestion.get("factually_consistent");
    assertThat(List.of(f.get("answers"), f.get("people_yes"), f.get("judge_yes"), f.get("agreed"))).isEqualTo(List.of(8L, 5L, 5L, 6L));
    assertThat((Double) f.get("agreement")).isCloseTo(0.75, within(1e-12));
    assertThat((Double) f.get("kappa")).isCloseTo(14.0 / 30, within(1e-12));
    Map<String, Object> u = byQuestion.get("useful");
    assertThat((Double) u.get("agreement")).isCloseTo(2.0 / 3, within(1e-12));
    assertThat((Double) u.get("kappa")).isCloseTo(0.0, within(1e-12));
    assertThat(TestSpark.rows(table(dir, Table.JUDGE_LABELS).where(col("call_id").equalTo("c5")).select("people_answer", "judge_answer", "reasoning")))
        .containsExactly(Map.of("people_answer", true, "judge_answer", false, "reasoning", "checked"));

    RunLog again = JobRunner.run(new JudgeCalibrationJob(), context("judge-calibration", dir, true));
    assertThat(again.get("plan_calls")).isZero();
    assertThat(server.seen()).hasSize(11);
    assertThat(table(dir, Table.JUDGE_LABELS).count()).isEqualTo(11);
    assertThat(table(dir, Table.JUDGE_CALIBRATION).count()).isEqualTo(2);
  }

  @Test
  void theLocalJudgeAnswersTheReviewersQuestionsOffline(@TempDir Path dir) throws IOException {
    reviewQueue(dir, List.of(new Object[] {"g", "factually_consistent", "The Norvik kettle boils 1.5 litres.", true},
        new Object[] {"n", "factually_consistent", "The Norvik kettle boils 2.5 litres.", false}));
    RunLog log = JobRunner.run(new JudgeCalibrationJob(), context("judge-calibration", dir, false));

    assertThat(log.status()).isEqualTo("succeeded");
    assertThat(TestSpark.rows(table(dir, Table.JUDGE_LABELS).orderBy("call_id").select("call_id", "judge_answer")))
        .containsExactly(Map.of("call_id", "g", "judge_answer", true), Map.of("call_id", "n", "judge_answer", false));
    assertThat(TestSpark.rows(table(dir, Table.JUDGE_CALIBRATION).select("agreement", "kappa")))
        .containsExactly(Map.of("agreement", 1.0, "kappa", 1.0));
  }
}
