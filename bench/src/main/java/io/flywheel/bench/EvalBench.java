package io.flywheel.bench;

import static org.apache.spark.sql.functions.*;

import io.flywheel.run.SparkSessions;
import io.flywheel.skew.LoggedRequest;
import io.flywheel.table.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the evaluation jobs (run it with {@code bench/eval [CALLS]}): writes {@code CALLS}
 * logged summarize calls of one day, measures a plain scan of them as the baseline (the day's rows
 * read, the logged input taken out of each request, the outputs' lengths summed), then eval-assert with
 * the built-in suite {@code summary_basics} over them and its rerun (which replaces its rows), and
 * review-sample and its rerun, all in one JVM, and prints each beside the baseline.
 */
public final class EvalBench {
  /** The run date of {@link FeedbackBench#llmCalls}' rows. */
  private static final String DAY = "2026-11-01";

  private EvalBench() {}

  public static void main(String[] args) {
    long calls = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    Path dir = Path.of(args.length > 1 ? args[1] : "target/bench-eval").toAbsolutePath();
    List<String> sets = List.of("warehouse.root=" + dir.resolve("warehouse"),
        "feedback.events_path=" + dir.resolve("input/feedback_events"));
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-eval");
    List<String[]> rows = new ArrayList<>();

    long t = System.nanoTime();
    String callsPath = dir.resolve("warehouse").resolve(Table.LLM_CALLS.tableName()).toString();
    FeedbackBench.llmCalls(spark, calls).write().format("delta").mode("overwrite").partitionBy("job", "call_date").save(callsPath);
    rows.add(row("generate " + calls + " calls", seconds(t), "-", "-"));

    // Twice: the first read warms the JVM and the file cache; the second is the baseline.
    double baseline = 0;
    for (int i = 0; i < 2; i++) {
      t = System.nanoTime();
      spark.read().format("delta").load(callsPath).where(col("run_date").equalTo(lit(java.sql.Date.valueOf(DAY))))
          .select(expr(LoggedRequest.sqlInputText("request")).as("input"), col("response"))
          .agg(count(lit(1)), sum(length(col("input"))), sum(length(col("response")))).collectAsList();
      baseline = seconds(t);
    }
    rows.add(row("baseline: plain scan of the day's calls", baseline, String.valueOf(calls), "1.00x"));

    for (String pass : List.of("eval-assert summary_basics", "eval-assert summary_basics, rerun")) {
      t = System.nanoTime();
      SummarizeBench.job("eval-assert", sets, "--run-date", DAY, "--suite", "summary_basics", "--target", "llm_calls");
      double s = seconds(t);
      rows.add(row(pass, s, String.valueOf(FeedbackBench.lastCounts(spark, dir).getOrDefault("rows", 0L)), ratio(s, baseline)));
    }
    for (String pass : List.of("review-sample", "review-sample, rerun")) {
      t = System.nanoTime();
      SummarizeBench.job("review-sample", sets, "--run-date", DAY);
      double s = seconds(t);
      rows.add(row(pass, s, String.valueOf(FeedbackBench.lastCounts(spark, dir).getOrDefault("sampled", 0L)), ratio(s, baseline)));
    }

    System.out.println();
    System.out.printf(Locale.ROOT, "%-44s %10s %12s %12s%n", "step (" + calls + " calls of " + DAY + ")", "wall s", "rows",
        "vs baseline");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "%-44s %10s %12s %12s%n", (Object[]) r);
    }
    spark.stop();
  }

  private static String ratio(double s, double baseline) {
    return String.format(Locale.ROOT, "%.2fx", s / baseline);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static String[] row(String step, double s, String n, String ratio) {
    return new String[] {step, String.format(Locale.ROOT, "%.1f", s), n, ratio};
  }
}
