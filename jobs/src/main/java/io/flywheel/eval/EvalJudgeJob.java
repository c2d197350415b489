package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.udfs.Hashing;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Compares two sets of outputs for the same inputs with a judge model:
 * {@code bin/flywheel eval-judge --a-run R1 --b-run R2 --run-date 2026-11-28} (or {@code --a T --b T}
 * for tables). Each pair is judged in both orders; a win counts only when both agree. Writes
 * {@code eval_judgements} (per input) and {@code eval_judge_runs} (win, tie and loss rates of A with
 * 95% intervals, over all pairs and over the length-balanced ones); a rerun of the date makes no new
 * call and replaces its rows. See docs/eval.md#eval-judge.
 */
public final class EvalJudgeJob implements Job {
  static final String JOB = "eval-judge";
  static final String ALL = "all";
  static final String LENGTH_BALANCED = "length_balanced";

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "compare two runs' or tables' outputs per input with a pairwise judge (--a T|--a-run R --b T|--b-run R)";
  }

  @Override
  public String configSection() {
    return "eval.judge";
  }

  @Override
  public Map<String, String> options() {
    return Map.of("a", "eval.judge.a.target", "a-run", "eval.judge.a.run_id", "a-job", "eval.judge.a.job",
        "b", "eval.judge.b.target", "b-run", "eval.judge.b.run_id", "b-job", "eval.judge.b.job");
  }

  @Override
  public List<Table> tables() {
    List<Table> t = new ArrayList<>(List.of(Table.EVAL_JUDGEMENTS, Table.EVAL_JUDGE_RUNS));
    t.addAll(PairwiseJudge.TABLES);
    return t;
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.eval().judge();
  }

  /** Reads both sides, joins them and counts the questions the judge has not answered yet. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.EvalJudge j = ctx.config().eval().judge();
    String a = EvalTarget.describe(j.a());
    String b = EvalTarget.describe(j.b());
    Dataset<Row> sideA = EvalTarget.readSide(ctx.spark(), ctx.warehouse(), "eval.judge.a", j.a(), ctx.runDate());
    Dataset<Row> sideB = EvalTarget.readSide(ctx.spark(), ctx.warehouse(), "eval.judge.b", j.b(), ctx.runDate());
    PairwiseJudge judge = PairwiseJudge.plan(ctx, log, sideA, sideB);
    log.timed("read", t0);
    System.out.printf(Locale.ROOT, "eval-judge plan: A = %s (%d inputs with an output), B = %s (%d); %d pairs (%d only in A,"
            + " %d only in B, %d left out: different inputs), %d identical (a tie without asking); %d questions to the judge"
            + " %s, %d not answered before%n", a, log.get("a_keys"), b, log.get("b_keys"), log.get("pairs"), log.get("a_only"),
        log.get("b_only"), log.get("pairs_input_differs"), log.get("pairs_identical"), log.get("judge_questions"),
        judge.prompt().judgeModel(), judge.pendingCalls());
    return new Run(ctx, a, b, judge);
  }

  /** Which rows a run replaces: those of its date comparing the same sides with the same judge and prompt. */
  static String comparisonKey(String a, String b, JudgePrompt p) {
    return Hashing.sha256Parts(List.of(a, b, p.judgeModel(), p.pairwise().id(), Integer.toString(p.pairwise().version())))
        .substring(0, 16);
  }

  private record Run(RunContext ctx, String a, String b, PairwiseJudge judge) implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      PairwiseJudge.Outcome o = judge.judge(log, writes);
      long t0 = System.nanoTime();
      JudgePrompt p = judge.prompt();
      String key = comparisonKey(a, b, p);
      Date day = Date.valueOf(ctx.runDate());
      Timestamp at = Timestamp.from(ctx.startedAt());
      writes.replaceRunDate(o.judgements().select(lit(day).as("run_date"), lit(ctx.runId()).as("run_id"),
              lit(key).as("comparison_key"), lit(a).as("a"), lit(b).as("b"), col("*"), lit(p.judgeModel()).as("judge_model"),
              lit(p.pairwise().id()).as("prompt_id"), lit(p.pairwise().version()).as("prompt_version"), lit(at).as("created_at")),
          Table.EVAL_JUDGEMENTS, ctx.runDate(), Map.of("comparison_key", key));
      List<Row> rates = new ArrayList<>();
      for (Object[] s : new Object[][] {{ALL, o.all()}, {LENGTH_BALANCED, o.lengthBalanced()}}) {
        WinRates w = (WinRates) s[1];
        rates.add(RowFactory.create(day, ctx.runId(), key, a, b, s[0], w.pairs(), w.wins(), w.ties(), w.losses(),
            nan(w.winRate().value()), nan(w.winRate().low()), nan(w.winRate().high()), nan(w.tieRate().value()),
            nan(w.tieRate().low()), nan(w.tieRate().high()), nan(w.lossRate().value()), nan(w.lossRate().low()),
            nan(w.lossRate().high()), nan(w.score().value()), nan(w.score().low()), nan(w.score().high()), p.judgeModel(),
            p.pairwise().id(), p.pairwise().version(), at));
      }
      writes.replaceRunDate(ctx.spark().createDataFrame(rates, Table.EVAL_JUDGE_RUNS.schema()), Table.EVAL_JUDGE_RUNS,
          ctx.runDate(), Map.of("comparison_key", key));
      if (o.all().pairs() > 0) {
        log.count("metric_win_rate_x1e4", Math.round(o.all().winRate().value() * 10_000));
        log.count("metric_score_x1e4", Math.round(o.all().score().value() * 10_000));
      }
      log.timed("write", t0);
      System.out.print(summary(a, b, p.judgeModel(), o.all(), o.lengthBalanced()));
      return null;
    }

    @Override
    public void close() {
      judge.close();
    }
  }

  /** A rate as stored: SQL NULL instead of NaN (no pairs). */
  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }

  /** The printed summary: A's rates over all pairs and without the length-imbalanced ones. */
  static String summary(String a, String b, String judgeModel, WinRates all, WinRates balanced) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "eval-judge A = %s vs B = %s, judge %s:%n", a, b, judgeModel));
    sb.append(String.format(Locale.ROOT, "  %-16s %6s %6s %6s %6s  %-22s %-22s %-22s %s%n", "pairs", "n", "wins", "ties", "losses",
        "A wins (95% Wilson)", "tie (95% Wilson)", "B wins (95% Wilson)", "score (95%)"));
    for (Object[] s : new Object[][] {{ALL, all}, {LENGTH_BALANCED, balanced}}) {
      WinRates w = (WinRates) s[1];
      sb.append(String.format(Locale.ROOT, "  %-16s %6d %6d %6d %6d  %-22s %-22s %-22s %s%n", s[0], w.pairs(), w.wins(), w.ties(),
          w.losses(), rate(w.winRate()), rate(w.tieRate()), rate(w.lossRate()), rate(w.score())));
    }
    return sb.toString();
  }

  private static String rate(WinRates.Interval i) {
    return Double.isNaN(i.value()) ? "-" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.value(), i.low(), i.high());
  }
}
