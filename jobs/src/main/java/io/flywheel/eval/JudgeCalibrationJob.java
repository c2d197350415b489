package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;

/**
 * How far the judge agrees with people: {@code bin/flywheel judge-calibration --run-date 2026-11-28}
 * asks the judge ({@code eval.judge.*}) the yes/no questions reviewers answered in {@code review_queue}
 * about the same outputs, and writes each answer beside the reviewer's to {@code judge_labels} and, per
 * question, the agreement rate and Cohen's kappa ({@link JudgeAgreement}) to {@code judge_calibration}.
 * Answers are cached by judge key, so a rerun asks nothing again. See docs/eval.md#judge-calibration.
 */
public final class JudgeCalibrationJob implements Job {
  static final String JOB = "judge-calibration";

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "ask the judge the yes/no questions reviewers answered in review_queue: agreement and Cohen's kappa per question";
  }

  @Override
  public String configSection() {
    return "eval.calibration";
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.JUDGE_LABELS, Table.JUDGE_CALIBRATION, Table.LLM_CALLS, Table.JUDGE_CACHE);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.eval().calibration();
  }

  /** Reads the answered review questions of the window and counts those the judge has not answered yet. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    JudgePrompt prompt = JudgePrompt.of(ctx.config());
    Dataset<Row> answered = withLabelKeys(answered(ctx.warehouse().readOrEmpty(Table.REVIEW_QUEUE), ctx.runDate(),
        ctx.config().eval().calibration().windowDays()), prompt.labelPrefix()).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> work = JudgeCalls.filterUncached(withQuestions(answered), JudgeCalls.cachedKeys(ctx))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long n = answered.count();
    long pending = work.count();
    log.count("answers", n);
    log.count("plan_calls", pending);
    log.timed("read", t0);
    System.out.printf(Locale.ROOT, "judge-calibration plan: %d reviewers' answers with an output (review dates %s); judge %s,"
            + " %d questions not answered before%n", n, window(ctx), prompt.judgeModel(), pending);
    return new Run(ctx, prompt, answered, work, pending);
  }

  private static String window(RunContext ctx) {
    int days = ctx.config().eval().calibration().windowDays();
    return days == 0 ? "up to " + ctx.runDate() : ctx.runDate().minusDays(days - 1L) + ".." + ctx.runDate();
  }

  /**
   * The answered rows of {@code review_queue} with an output, of review dates up to {@code runDate}
   * (the last {@code windowDays} of them; 0: all): {@code review_date, call_id, question,
   * question_text, input, output, people_answer}.
   */
  static Dataset<Row> answered(Dataset<Row> queue, java.time.LocalDate runDate, int windowDays) {
    Column dates = col("run_date").leq(lit(Date.valueOf(runDate)));
    if (windowDays > 0) {
      dates = dates.and(col("run_date").gt(lit(Date.valueOf(runDate.minusDays(windowDays)))));
    }
    return queue.where(dates.and(col("answer").isNotNull()).and(col("output").isNotNull()).and(trim(col("output")).notEqual("")))
        .select(col("run_date").as("review_date"), col("call_id"), col("question"), col("question_text"), col("input"),
            col("output"), col("answer").as("people_answer"));
  }

  /** Adds {@code judge_key}: SHA-256 of the label prefix, the input's and output's SHA-256, the question and its text's SHA-256. */
  static Dataset<Row> withLabelKeys(Dataset<Row> answered, String prefix) {
    return answered.withColumn("judge_key", sha2(concat_ws("|", lit(prefix), sha2(coalesce(col("input"), lit("\u0000null")), 256),
        sha2(col("output"), 256), col("question"), sha2(coalesce(col("question_text"), lit("")), 256)), 256));
  }

  private static Dataset<Row> withQuestions(Dataset<Row> answered) {
    return answered.select(col("judge_key"), concat(col("call_id"), lit("#"), col("question")).as("item_key"),
        lit(JudgeCalls.LABEL).as("kind"), col("input"), col("output").as("first"), lit(null).cast("string").as("second"),
        col("question"), col("question_text"));
  }

  private record Run(RunContext ctx, JudgePrompt prompt, Dataset<Row> answered, Dataset<Row> work, long pending)
      implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      FlywheelConfig.EvalCalibration c = ctx.config().eval().calibration();
      long t0 = System.nanoTime();
      JudgeCalls.callAndCache(ctx, log, writes, work, pending, c.batchSize(), 0, prompt, "calibration");
      log.timed("judge_calls", t0);
      long t1 = System.nanoTime();
      Date day = Date.valueOf(ctx.runDate());
      Timestamp at = Timestamp.from(ctx.startedAt());
      Dataset<Row> cache = ctx.warehouse().readOrEmpty(Table.JUDGE_CACHE).select(col("judge_key").as("c_key"), col("verdict"),
          col("reasoning"));
      Dataset<Row> labels = answered.join(cache, answered.col("judge_key").equalTo(cache.col("c_key")), "left")
          .select(lit(day).as("run_date"), lit(ctx.runId()).as("run_id"), col("review_date"), col("call_id"), col("question"),
              col("people_answer"), when(col("verdict").equalTo("yes"), lit(true)).when(col("verdict").equalTo("no"), lit(false))
                  .otherwise(lit(null).cast("boolean")).as("judge_answer"),
              col("reasoning"), col("judge_key"), lit(prompt.judgeModel()).as("judge_model"), lit(at).as("created_at"))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        writes.replaceRunDate(labels, Table.JUDGE_LABELS, ctx.runDate());
        Map<String, long[]> cells = new TreeMap<>();
        for (Row r : labels.groupBy("question", "people_answer", "judge_answer").count().collectAsList()) {
          long[] q = cells.computeIfAbsent(r.getString(0), k -> new long[5]);
          if (r.isNullAt(2)) {
            q[4] += r.getLong(3);
          } else {
            q[(r.getBoolean(1) ? 2 : 0) + (r.getBoolean(2) ? 1 : 0)] += r.getLong(3);
          }
        }
        List<Row> out = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
            "judge-calibration, judge %s against reviewers:%n  %-24s %7s %10s %9s %10s  %-24s %7s%n", prompt.judgeModel(),
            "question", "answers", "people yes", "judge yes", "no verdict", "agreement (95% Wilson)", "kappa"));
        for (Map.Entry<String, long[]> e : cells.entrySet()) {
          long[] q = e.getValue();
          JudgeAgreement g = agreement(q);
          long agreed = q[0] + q[3];
          WinRates.Interval w = WinRates.wilson(agreed, g.n());
          out.add(RowFactory.create(day, ctx.runId(), e.getKey(), g.n(), q[2] + q[3], q[1] + q[3], agreed, nan(g.agreement()),
              nan(w.low()), nan(w.high()), nan(g.kappa()), q[4], prompt.judgeModel(), prompt.label().id(),
              prompt.label().version(), at));
          table.append(String.format(Locale.ROOT, "  %-24s %7d %10d %9d %10d  %-24s %7s%n", e.getKey(), g.n(), q[2] + q[3],
              q[1] + q[3], q[4], g.n() == 0 ? "-" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", g.agreement(), w.low(), w.high()),
              Double.isNaN(g.kappa()) ? "-" : String.format(Locale.ROOT, "%.3f", g.kappa())));
          if (!Double.isNaN(g.kappa())) {
            log.count("metric_kappa_" + e.getKey() + "_x1e4", Math.round(g.kappa() * 10_000));
          }
        }
        writes.replaceRunDate(ctx.spark().createDataFrame(out, Table.JUDGE_CALIBRATION.schema()), Table.JUDGE_CALIBRATION,
            ctx.runDate());
        log.count("questions", cells.size());
        log.timed("agreement", t1);
        System.out.print(table);
        return null;
      } finally {
        labels.unpersist();
      }
    }

    @Override
    public void close() {
      answered.unpersist();
      work.unpersist();
    }
  }

  /**
   * The agreement of a question's 2×2 table ({@code cells[people*2 + judge]}, 1 = yes), through
   * {@link JudgeAgreement#of} on the answers it counts.
   */
  static JudgeAgreement agreement(long[] cells) {
    List<Boolean> judge = new ArrayList<>();
    List<Boolean> people = new ArrayList<>();
    for (int cell = 0; cell < 4; cell++) {
      for (long i = 0; i < cells[cell]; i++) {
        people.add(cell >= 2);
        judge.add(cell % 2 == 1);
      }
    }
    return JudgeAgreement.of(judge, people);
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
