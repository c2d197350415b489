package io.flywheel.bench;

import static org.apache.spark.sql.functions.*;

import io.flywheel.run.SparkSessions;
import io.flywheel.skew.LoggedRequest;
import io.flywheel.table.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the evaluation jobs (run it with {@code bench/eval [CALLS] [PAIRS] [ANSWERS] [ITEMS]}):
 * writes {@code CALLS} logged summarize calls of one day, measures a plain scan of them as the baseline
 * (the day's rows read, the logged input taken out of each request, the outputs' lengths summed), then
 * eval-assert with the built-in suite {@code summary_basics} over them and its rerun (which replaces its
 * rows), and review-sample and its rerun. Then, each beside a baseline of its own measured in the same
 * JVM: eval-judge over {@code PAIRS} pairs of two Delta tables (baseline: a plain join of the two sides),
 * judge-calibration over {@code ANSWERS} answered review rows (baseline: a plain scan of them) and
 * shadow-report over {@code ITEMS} items of a production and a shadow warehouse (baseline: a plain join
 * of both sides' summaries with their calls), each first run and rerun. See docs/eval.md#benchmark.
 */
public final class EvalBench {
  /** The run date of {@link FeedbackBench#llmCalls}' rows. */
  private static final String DAY = "2026-11-01";
  /** The review date of the answered rows judge-calibration reads (not review-sample's date: its rows stay apart). */
  private static final String REVIEW_DAY = "2026-11-02";
  /** The shadow the shadow-report step compares with production. */
  private static final String SHADOW = "bench";

  private EvalBench() {}

  public static void main(String[] args) {
    long calls = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    long pairs = Math.min(calls, args.length > 1 ? Long.parseLong(args[1]) : 100_000);
    long answers = Math.min(2 * calls, args.length > 2 ? Long.parseLong(args[2]) : 20_000);
    long items = args.length > 3 ? Long.parseLong(args[3]) : 100_000;
    Path dir = Path.of(args.length > 4 ? args[4] : "target/bench-eval").toAbsolutePath();
    List<String> sets = List.of("warehouse.root=" + dir.resolve("warehouse"),
        "feedback.events_path=" + dir.resolve("input/feedback_events"));
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-eval");
    List<String[]> rows = new ArrayList<>();

    long t = System.nanoTime();
    String callsPath = dir.resolve("warehouse").resolve(Table.LLM_CALLS.tableName()).toString();
    FeedbackBench.llmCalls(spark, calls).write().format("delta").mode("overwrite").partitionBy("job", "call_date").save(callsPath);
    rows.add(row("generate " + calls + " calls", seconds(t), "-", "-", "-"));

    double baseline = twice(() -> spark.read().format("delta").load(callsPath)
        .where(col("run_date").equalTo(lit(java.sql.Date.valueOf(DAY))))
        .select(expr(LoggedRequest.sqlInputText("request")).as("input"), col("response"))
        .agg(count(lit(1)), sum(length(col("input"))), sum(length(col("response")))).collectAsList());
    rows.add(row("baseline: plain scan of the day's calls", baseline, String.valueOf(calls), "-", "1.00x"));

    for (String pass : List.of("eval-assert summary_basics", "eval-assert summary_basics, rerun")) {
      t = System.nanoTime();
      SummarizeBench.job("eval-assert", sets, "--run-date", DAY, "--suite", "summary_basics", "--target", "llm_calls");
      double s = seconds(t);
      rows.add(row(pass, s, String.valueOf(FeedbackBench.lastCounts(spark, dir).getOrDefault("rows", 0L)), "-", ratio(s, baseline)));
    }
    for (String pass : List.of("review-sample", "review-sample, rerun")) {
      t = System.nanoTime();
      SummarizeBench.job("review-sample", sets, "--run-date", DAY);
      double s = seconds(t);
      rows.add(row(pass, s, String.valueOf(FeedbackBench.lastCounts(spark, dir).getOrDefault("sampled", 0L)), "-", ratio(s, baseline)));
    }

    evalJudge(spark, dir, callsPath, pairs, rows);
    judgeCalibration(spark, dir, callsPath, answers, rows);
    shadowReport(spark, dir, items, rows);

    System.out.println();
    System.out.printf(Locale.ROOT, "%-52s %10s %12s %10s %12s%n", "step (" + calls + " calls of " + DAY + ")", "wall s", "rows",
        "calls", "vs baseline");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "%-52s %10s %12s %10s %12s%n", (Object[]) r);
    }
    spark.stop();
  }

  /**
   * eval-judge over {@code pairs} pairs: side A the first calls as a table, side B the same keys and
   * inputs with outputs changed for three in five (see {@link #sideB}); baseline a plain join of the two.
   */
  private static void evalJudge(SparkSession spark, Path dir, String callsPath, long pairs, List<String[]> rows) {
    long t = System.nanoTime();
    String a = dir.resolve("input/judge_a").toString();
    String b = dir.resolve("input/judge_b").toString();
    Dataset<Row> sideA = firstCalls(spark, callsPath, pairs).select(col("item_key").as("item_id"),
        expr(LoggedRequest.sqlInputText("request")).as("input"), col("response").as("output"), col("call_id"));
    sideA.drop("call_id").write().format("delta").mode("overwrite").save(a);
    sideB(sideA).write().format("delta").mode("overwrite").save(b);
    rows.add(row("generate " + pairs + " pairs (A, B: 3 in 5 outputs changed)", seconds(t), "-", "-", "-"));

    double baseline = twice(() -> {
      Dataset<Row> x = spark.read().format("delta").load(a);
      Dataset<Row> y = spark.read().format("delta").load(b).select(col("item_id").as("b_item_id"), col("input").as("b_input"),
          col("output").as("b_output"));
      x.join(y, x.col("item_id").equalTo(y.col("b_item_id")))
          .agg(count(lit(1)), sum(length(col("input"))), sum(length(col("output"))), sum(length(col("b_output")))).collectAsList();
    });
    rows.add(row("baseline: plain join of sides A and B", baseline, String.valueOf(pairs), "-", "1.00x"));

    // Two questions per pair whose outputs differ, in batches of a twentieth (as bench/summarize does).
    List<String> sets = List.of("warehouse.root=" + dir.resolve("warehouse"), "eval.judge.a.target=" + a,
        "eval.judge.b.target=" + b, "eval.judge.batch_size=" + Math.max(2000, 2 * pairs / 20));
    for (String pass : List.of("eval-judge (both orders, local judge)", "eval-judge, rerun (judge_cache)")) {
      t = System.nanoTime();
      SummarizeBench.job("eval-judge", sets, "--run-date", DAY);
      double s = seconds(t);
      Map<String, Long> c = FeedbackBench.lastCounts(spark, dir);
      rows.add(row(pass, s, String.valueOf(c.getOrDefault("pairs", 0L)), String.valueOf(c.getOrDefault("calls", 0L)),
          ratio(s, baseline)));
    }
  }

  /** Side B: the same keys and inputs; 1 in 5 outputs gets numbers not in the input, 1 in 5 is cut short, 1 in 5 gets an e-mail. */
  static Dataset<Row> sideB(Dataset<Row> sideA) {
    Column n = pmod(xxhash64(col("call_id")), lit(5));
    Column output = when(n.equalTo(0), concat(col("output"), lit(" Rated 4.7 by 1296 buyers.")))
        .when(n.equalTo(1), concat(substring_index(col("output"), ",", 1), lit(".")))
        .when(n.equalTo(2), concat(col("output"), lit(" Questions: sales@example.com.")))
        .otherwise(col("output"));
    return sideA.select(col("item_id"), col("input"), output.as("output"));
  }

  /**
   * judge-calibration over {@code answers} answered rows of {@code review_queue} (two questions per
   * call, answered by a seeded rule, review date {@link #REVIEW_DAY}); baseline a plain scan of them.
   */
  private static void judgeCalibration(SparkSession spark, Path dir, String callsPath, long answers, List<String[]> rows) {
    long t = System.nanoTime();
    String queue = dir.resolve("warehouse").resolve(Table.REVIEW_QUEUE.tableName()).toString();
    reviewAnswers(firstCalls(spark, callsPath, (answers + 1) / 2), answers).write().format("delta").mode("append")
        .partitionBy("run_date").save(queue);
    rows.add(row("generate " + answers + " reviewers' answers", seconds(t), "-", "-", "-"));

    double baseline = twice(() -> spark.read().format("delta").load(queue)
        .where(col("run_date").equalTo(lit(java.sql.Date.valueOf(REVIEW_DAY))).and(col("answer").isNotNull()))
        .groupBy("question").agg(count(lit(1)), sum(col("answer").cast("int")), sum(length(col("input"))), sum(length(col("output"))))
        .collectAsList());
    rows.add(row("baseline: plain scan of the answered rows", baseline, String.valueOf(answers), "-", "1.00x"));

    List<String> sets = List.of("warehouse.root=" + dir.resolve("warehouse"), "eval.calibration.window_days=1",
        "eval.calibration.batch_size=" + Math.max(2000, answers / 20));
    for (String pass : List.of("judge-calibration (local judge)", "judge-calibration, rerun (judge_cache)")) {
      t = System.nanoTime();
      SummarizeBench.job("judge-calibration", sets, "--run-date", REVIEW_DAY);
      double s = seconds(t);
      Map<String, Long> c = FeedbackBench.lastCounts(spark, dir);
      rows.add(row(pass, s, String.valueOf(c.getOrDefault("answers", 0L)), String.valueOf(c.getOrDefault("calls", 0L)),
          ratio(s, baseline)));
    }
  }

  /**
   * {@code n} answered {@code review_queue} rows (its schema): each call asked {@code factually_consistent}
   * and {@code useful}. Half the outputs are cut short (then grounded, so the local judge says yes to
   * the first question); reviewers answer {@code factually_consistent} by that, flipped for 1 in 10
   * (agreement about 0.9), and {@code useful} yes for about 60% by a hash of the call.
   */
  static Dataset<Row> reviewAnswers(Dataset<Row> calls, long n) {
    Dataset<Row> questions = calls.sparkSession().createDataFrame(List.of(
            org.apache.spark.sql.RowFactory.create("factually_consistent", "Is the output factually consistent with its input?", 7),
            org.apache.spark.sql.RowFactory.create("useful", "Would this summary help a shopper decide?", 6)),
        org.apache.spark.sql.types.StructType.fromDDL("question STRING, question_text STRING, yes_in_10 INT"));
    Column shortened = pmod(xxhash64(col("call_id")), lit(2)).equalTo(0);
    Column flip = pmod(xxhash64(col("call_id"), col("question")), lit(10));
    Map<String, Column> v = new LinkedHashMap<>();
    v.put("run_date", lit(java.sql.Date.valueOf(REVIEW_DAY)));
    v.put("call_id", col("call_id"));
    v.put("question", col("question"));
    v.put("job", col("job"));
    v.put("status", col("status"));
    v.put("stratum", concat(col("job"), lit("/"), col("status")));
    v.put("reason", lit("stratified"));
    v.put("question_text", col("question_text"));
    v.put("input", expr(LoggedRequest.sqlInputText("request")));
    v.put("output", when(shortened, concat(substring_index(col("response"), ",", 1), lit("."))).otherwise(col("response")));
    v.put("error_class", lit(null));
    v.put("answer", when(col("question").equalTo("factually_consistent"), shortened.notEqual(flip.equalTo(0)))
        .otherwise(flip.lt(col("yes_in_10"))));
    v.put("reviewer", lit("bench-reviewer"));
    v.put("answered_at", lit(java.sql.Timestamp.valueOf(REVIEW_DAY + " 12:00:00")));
    v.put("event_id", lit(null));
    v.put("run_id", lit("bench"));
    v.put("created_at", lit(java.sql.Timestamp.valueOf(REVIEW_DAY + " 06:00:00")));
    return calls.crossJoin(questions).select(schemaColumns(Table.REVIEW_QUEUE, v)).limit((int) Math.min(Integer.MAX_VALUE, n));
  }

  /**
   * shadow-report over {@code items} items: a production warehouse of its own (summaries and the calls
   * that made them) and shadow {@link #SHADOW} under it with the same items and content hashes but other
   * answers (1 in 100 items changed since production: not compared); baseline a plain join of both sides'
   * summaries with their calls, then of the two sides on item and content hash.
   */
  private static void shadowReport(SparkSession spark, Path dir, long items, List<String[]> rows) {
    long t = System.nanoTime();
    Path prod = dir.resolve("shadow-report/warehouse");
    Path shadow = prod.resolve("shadow").resolve(SHADOW);
    Dataset<Row> base = FeedbackBench.llmCalls(spark, items).withColumn("_n", expr("cast(substring(call_id, 6) as bigint)"));
    Dataset<Row> prodCalls = base.withColumn("request_key", concat(lit("rk-"), col("item_key")))
        .withColumn("cost_usd", col("output_tokens").multiply(1e-6));
    Column m = pmod(col("_n"), lit(4));
    Column shadowResponse = when(m.equalTo(0), concat(substring_index(col("response"), ",", 1), lit(".")))
        .when(m.equalTo(1), concat(col("response"), lit(" Rated 4.7 by 1296 buyers."))).otherwise(col("response"));
    Dataset<Row> shadowCalls = base.withColumn("call_id", concat(lit("shadow-"), col("call_id")))
        .withColumn("run_id", lit("bench-shadow"))
        .withColumn("request_key", concat(lit("srk-"), col("item_key")))
        .withColumn("prompt_version", lit(2))
        .withColumn("response", shadowResponse)
        .withColumn("output_tokens", when(m.equalTo(0), lit(12)).when(m.equalTo(1), lit(38)).otherwise(lit(30)))
        .withColumn("cost_usd", col("output_tokens").multiply(1e-6));
    writeWarehouse(prod, prodCalls, lit(""));
    writeWarehouse(shadow, shadowCalls, when(pmod(col("_n"), lit(100)).equalTo(99), lit("-changed")).otherwise(lit("")));
    rows.add(row("generate " + items + " production and shadow items", seconds(t), "-", "-", "-"));

    double baseline = twice(() -> {
      Dataset<Row> p = answers(spark, prod, "p_");
      Dataset<Row> s = answers(spark, shadow, "s_");
      p.join(s, col("p_item_id").equalTo(col("s_item_id")).and(col("p_content_hash").equalTo(col("s_content_hash"))))
          .agg(count(lit(1)), sum(length(col("p_summary"))), sum(length(col("s_summary"))), sum(length(col("p_response"))),
              sum(length(col("s_response"))), sum(col("p_cost_usd")), sum(col("s_cost_usd")))
          .collectAsList();
    });
    rows.add(row("baseline: join of both sides' summaries and calls", baseline, String.valueOf(items), "-", "1.00x"));

    List<String> sets = List.of("warehouse.root=" + prod, "eval.judge.batch_size=" + Math.max(2000, 2 * items / 20));
    for (String pass : List.of("shadow-report " + SHADOW + " (suite, local judge)", "shadow-report " + SHADOW + ", rerun (judge_cache)")) {
      t = System.nanoTime();
      SummarizeBench.job("shadow-report", sets, SHADOW, "--run-date", DAY);
      double s = seconds(t);
      Map<String, Long> c = lastCounts(spark, prod);
      rows.add(row(pass, s, String.valueOf(c.getOrDefault("items_compared", 0L)), String.valueOf(c.getOrDefault("calls", 0L)),
          ratio(s, baseline)));
    }
  }

  /** Writes {@code calls} and one summary per call as the {@code llm_calls} and {@code summaries} of the warehouse at {@code root}. */
  private static void writeWarehouse(Path root, Dataset<Row> calls, Column contentSuffix) {
    Dataset<Row> c = calls.persist();
    c.select(schemaColumns(Table.LLM_CALLS, Map.of())).write().format("delta").mode("overwrite").partitionBy("job", "call_date")
        .save(root.resolve(Table.LLM_CALLS.tableName()).toString());
    summaries(c, contentSuffix).write().format("delta").mode("overwrite").save(root.resolve(Table.SUMMARIES.tableName()).toString());
    c.unpersist();
  }

  /** One summary per call ({@code summaries}' schema): its item, its request key, the response as the summary. */
  private static Dataset<Row> summaries(Dataset<Row> calls, Column contentSuffix) {
    Map<String, Column> v = new LinkedHashMap<>();
    v.put("item_id", col("item_key"));
    v.put("content_hash", sha2(concat(lit("content-"), col("item_key"), contentSuffix), 256));
    v.put("provider", col("provider"));
    v.put("model", col("requested_model"));
    v.put("summary", col("response"));
    v.put("key_features", array());
    v.put("pii_redacted", array());
    v.put("guardrail_version", lit("bench"));
    v.put("item_updated_at", col("created_at"));
    return calls.select(schemaColumns(Table.SUMMARIES, v));
  }

  /** A warehouse's summaries with their calls (joined on the request key), every column prefixed. */
  private static Dataset<Row> answers(SparkSession spark, Path root, String prefix) {
    Dataset<Row> s = spark.read().format("delta").load(root.resolve(Table.SUMMARIES.tableName()).toString())
        .select(col("item_id").as(prefix + "item_id"), col("content_hash").as(prefix + "content_hash"),
            col("request_key").as(prefix + "s_request_key"), col("summary").as(prefix + "summary"));
    Dataset<Row> c = spark.read().format("delta").load(root.resolve(Table.LLM_CALLS.tableName()).toString())
        .where(col("job").equalTo("summarize").and(col("status").equalTo("ok")))
        .select(col("request_key").as(prefix + "request_key"), col("response").as(prefix + "response"),
            col("cost_usd").as(prefix + "cost_usd"));
    return s.join(c, col(prefix + "s_request_key").equalTo(col(prefix + "request_key")));
  }

  /** The first {@code n} generated calls (by call id) of the table at {@code callsPath}. */
  private static Dataset<Row> firstCalls(SparkSession spark, String callsPath, long n) {
    return spark.read().format("delta").load(callsPath).where(col("call_id").lt(String.format(Locale.ROOT, "call-%09d", n)));
  }

  /** The columns of {@code table}'s schema: {@code values}' column for a name it has, else the row's own column, else null. */
  private static Column[] schemaColumns(Table table, Map<String, Column> values) {
    List<Column> cols = new ArrayList<>();
    for (var f : table.schema().fields()) {
      Column c = values.get(f.name());
      cols.add((c != null ? c : col(f.name())).cast(f.dataType()).as(f.name()));
    }
    return cols.toArray(Column[]::new);
  }

  /** The counts of the newest run in the {@code runs} table of the warehouse at {@code root}. */
  private static Map<String, Long> lastCounts(SparkSession spark, Path root) {
    Row last = spark.read().format("delta").load(root.resolve(Table.RUNS.tableName()).toString())
        .orderBy(col("started_at").desc()).first();
    return last.getJavaMap(last.fieldIndex("counts"));
  }

  /** Runs {@code step} twice and returns the second time: the first warms the JVM and the file cache. */
  private static double twice(Runnable step) {
    double s = 0;
    for (int i = 0; i < 2; i++) {
      long t = System.nanoTime();
      step.run();
      s = seconds(t);
    }
    return s;
  }

  private static String ratio(double s, double baseline) {
    return String.format(Locale.ROOT, "%.2fx", s / baseline);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static String[] row(String step, double s, String n, String calls, String ratio) {
    return new String[] {step, String.format(Locale.ROOT, "%.1f", s), n, calls, ratio};
  }
}
