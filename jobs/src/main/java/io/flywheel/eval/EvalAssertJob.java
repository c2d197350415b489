package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.llm.ResponseSchema;
import io.flywheel.recommend.RecommendPrompt;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.SummaryCalls;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.udfs.Hashing;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;

/**
 * Runs an assertion suite over a table of outputs:
 * {@code bin/flywheel eval-assert --suite summary_basics --target llm_calls --run-date 2026-11-28}.
 * Writes every row's verdict per criterion to {@code eval_assertions} and the pass rates with their
 * 95% intervals to {@code eval_runs}; a rerun of the same date, suite and target replaces its rows.
 * See docs/eval.md#eval-assert.
 */
public final class EvalAssertJob implements Job {
  static final String JOB = "eval-assert";
  /** The response schemas a {@code json_schema} criterion may name. */
  static final Map<String, ResponseSchema> SCHEMAS =
      Map.of(SummaryCalls.SCHEMA.name(), SummaryCalls.SCHEMA, RecommendPrompt.SCHEMA.name(), RecommendPrompt.SCHEMA);

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "run an assertion suite over model outputs (--suite S --target T [--target-run R] [--target-job J])";
  }

  @Override
  public String configSection() {
    return "eval.assert";
  }

  @Override
  public Map<String, String> options() {
    return Map.of("suite", "eval.assert.suite", "target", "eval.assert.target", "target-run", "eval.assert.run_id",
        "target-job", "eval.assert.job");
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.EVAL_ASSERTIONS, Table.EVAL_RUNS);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.eval().assertion();
  }

  /** Parses the suite, reads the target and counts its rows. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.EvalAssert a = ctx.config().eval().assertion();
    AssertionSuite suite = AssertionSuite.parse(a.suite(), ctx.config().eval().suites().get(a.suite()), SCHEMAS, ctx.loaded().file());
    Dataset<Row> target = EvalTarget.read(ctx.spark(), ctx.warehouse(), a, ctx.runDate())
        .transform(AssertionRows::withUniqueKeys)
        .persist(StorageLevel.MEMORY_AND_DISK());
    Row n = target.agg(count(lit(1)), count(when(col("output").isNull().or(trim(col("output")).equalTo("")), lit(1)))).first();
    log.count("rows", n.getLong(0));
    log.count("rows_without_output", n.getLong(1));
    log.count("criteria", suite.criteria().size());
    log.count("plan_calls", 0);
    log.timed("read", t0);
    String described = EvalTarget.describe(a);
    System.out.printf(Locale.ROOT, "eval-assert plan: suite %s (%d criteria) over %s: %d rows, %d without an output%n",
        suite.name(), suite.criteria().size(), described, n.getLong(0), n.getLong(1));
    return new Run(ctx, suite, described, target);
  }

  /** Which rows a run replaces: those of its run date with the same suite and target. */
  static String evalKey(String suite, String target) {
    return Hashing.sha256Parts(List.of(suite, target)).substring(0, 16);
  }

  private record Run(RunContext ctx, AssertionSuite suite, String target, Dataset<Row> rows) implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      long t0 = System.nanoTime();
      String key = evalKey(suite.name(), target);
      Timestamp at = Timestamp.from(ctx.startedAt());
      Dataset<Row> verdicts = AssertionRows.withVerdicts(rows, suite).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        writes.replaceRunDate(verdicts.select(lit(java.sql.Date.valueOf(ctx.runDate())).as("run_date"),
            lit(ctx.runId()).as("run_id"), lit(key).as("eval_key"), lit(suite.name()).as("suite"), lit(target).as("target"),
            col("row_key"), col("criterion"), col("passed"), col("detail"), lit(at).as("created_at")),
            Table.EVAL_ASSERTIONS, ctx.runDate(), Map.of("eval_key", key));
        log.timed("check_write", t0);
        long t1 = System.nanoTime();
        Map<String, long[]> counts = AssertionRows.passCountsByCriterion(verdicts, suite);
        List<Row> out = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "eval-assert %s over %s:%n  %-24s %15s %7s  %s%n",
            suite.name(), target, "criterion", "passed", "rate", "95% interval (Wilson)"));
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
          String c = e.getKey();
          long[] rp = e.getValue();
          WinRates.Interval w = WinRates.wilson(rp[1], rp[0]);
          Double rate = rp[0] == 0 ? null : w.value();
          out.add(RowFactory.create(java.sql.Date.valueOf(ctx.runDate()), ctx.runId(), key, suite.name(), target, c, rp[0], rp[1],
              rate, rp[0] == 0 ? null : w.low(), rp[0] == 0 ? null : w.high(), at));
          table.append(String.format(Locale.ROOT, "  %-24s %15s %7s  %s%n", c, rp[1] + "/" + rp[0],
              rate == null ? "-" : String.format(Locale.ROOT, "%.3f", rate),
              rate == null ? "" : String.format(Locale.ROOT, "[%.3f, %.3f]", w.low(), w.high())));
          if (rate != null) {
            log.count("metric_pass_rate_" + c + "_x1e4", Math.round(rate * 10_000));
          }
        }
        writes.replaceRunDate(ctx.spark().createDataFrame(out, Table.EVAL_RUNS.schema()), Table.EVAL_RUNS, ctx.runDate(),
            Map.of("eval_key", key));
        log.timed("pass_rates", t1);
        System.out.print(table);
        return failure(ctx.config().eval().assertion(), counts, log);
      } finally {
        verdicts.unpersist();
      }
    }

    /** Why the run fails: too many rows without an output, or a criterion under {@code min_pass_rate}; else null. */
    private String failure(FlywheelConfig.EvalAssert a, Map<String, long[]> counts, RunLog log) {
      long rowsTotal = log.get("rows");
      long without = log.get("rows_without_output");
      if (rowsTotal > 0 && (double) without / rowsTotal > a.maxFailureRatio()) {
        return String.format(Locale.ROOT, "%d of %d target rows have no output, which exceeds max_failure_ratio %.3f",
            without, rowsTotal, a.maxFailureRatio());
      }
      List<String> under = new ArrayList<>();
      for (Criterion c : suite.criteria()) {
        long[] rp = counts.get(c.name());
        if (rp != null && rp[0] > 0 && (double) rp[1] / rp[0] < a.minPassRate()) {
          under.add(String.format(Locale.ROOT, "%s %.3f", c.name(), (double) rp[1] / rp[0]));
        }
      }
      return under.isEmpty() ? null
          : String.format(Locale.ROOT, "pass rate under eval.assert.min_pass_rate %.3f: %s", a.minPassRate(), String.join(", ", under));
    }

    @Override
    public void close() {
      rows.unpersist();
    }
  }
}
