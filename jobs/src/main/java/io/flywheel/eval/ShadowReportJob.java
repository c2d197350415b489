package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.ShadowRun;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
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
 * Compares a shadow run of summarize with production, item by item:
 * {@code bin/flywheel shadow-report books_v3 --run-date 2026-11-28}. For every item both summarized
 * from the same content it runs the assertion suite on both answers, judges the pair (optional), and
 * compares lengths, tokens and cost; writes {@code shadow_comparisons} and {@code shadow_reports}.
 * It promotes nothing: promotion is a change to the production config that a person makes. See
 * docs/eval.md#shadow-report.
 */
public final class ShadowReportJob implements Job {
  static final String JOB = "shadow-report";

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "compare a shadow run with production item by item (shadow-report NAME); promotes nothing";
  }

  @Override
  public String configSection() {
    return "eval.shadow_report";
  }

  @Override
  public Map<String, String> options() {
    return Map.of("shadow", "eval.shadow_report.shadow");
  }

  @Override
  public String argument() {
    return "eval.shadow_report.shadow";
  }

  @Override
  public List<Table> tables() {
    List<Table> tables = new ArrayList<>(List.of(Table.SHADOW_COMPARISONS, Table.SHADOW_REPORTS));
    tables.addAll(PairwiseJudge.TABLES);
    return tables;
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.eval().shadowReport();
  }

  /** Reads both sides' answers and pairs them by item and content. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.EvalShadowReport r = ctx.config().eval().shadowReport();
    String name = r.shadow();
    if (name == null || name.isBlank()) {
      throw new ConfigException("key 'eval.shadow_report.shadow': name the shadow run to compare: flywheel shadow-report NAME");
    }
    // ConfigLoader checked the name's form and that the suite exists.
    AssertionSuite suite = AssertionSuite.parse(r.suite(), ctx.config().eval().suites().get(r.suite()), EvalAssertJob.SCHEMAS,
        ctx.loaded().file());
    Warehouse shadowWh = new Warehouse(ctx.spark(), ShadowRun.root(ctx.warehouse().root(), name), "");
    for (Warehouse wh : List.of(ctx.warehouse(), shadowWh)) {
      for (Table t : List.of(Table.SUMMARIES, Table.LLM_CALLS)) {
        if (!wh.exists(t)) {
          throw new ConfigException("key 'eval.shadow_report.shadow': no " + t.tableName() + " at " + wh.path(t)
              + (wh == shadowWh ? "; run flywheel summarize --shadow " + name + " first" : "; run flywheel summarize first"));
        }
      }
    }
    Dataset<Row> shadowAnswers = ShadowComparison.withAnswers(shadowWh.read(Table.SUMMARIES), shadowWh.read(Table.LLM_CALLS));
    Dataset<Row> pairs = ShadowComparison.pairs(
            ShadowComparison.withAnswers(ctx.warehouse().read(Table.SUMMARIES), ctx.warehouse().read(Table.LLM_CALLS)),
            shadowAnswers)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long shadowItems = shadowAnswers.count();
    long compared = pairs.count();
    log.count("shadow_items", shadowItems);
    log.count("items_compared", compared);
    log.count("items_not_in_production", shadowItems - compared);
    log.count("plan_calls", 0);
    // Production is A, the shadow B: the judge's counts and plan_calls go into this run's log.
    PairwiseJudge judge = r.judge() ? PairwiseJudge.plan(ctx, log, judgeSide(pairs, "production"), judgeSide(pairs, "shadow")) : null;
    log.timed("read_pair", t0);
    System.out.printf(Locale.ROOT, "shadow-report plan: shadow '%s' (%s): %d items summarized, %d with a production summary"
        + " of the same content; suite %s; %s%n", name, shadowWh.root(), shadowItems, compared, suite.name(),
        judge == null ? "no judge" : "judge " + judge.prompt().judgeModel() + ", " + judge.pendingCalls() + " calls");
    return new Run(ctx, name, suite, pairs, judge);
  }

  /** One side of the pairs as a side of the pairwise judge (input key: the item). */
  private static Dataset<Row> judgeSide(Dataset<Row> pairs, String side) {
    return pairs.select(col("item_id").as("input_key"), col(side + "_input").as("input"), col(side + "_output").as("output"),
        col(side + "_call_id").as("id"));
  }

  private record Run(RunContext ctx, String shadow, AssertionSuite suite, Dataset<Row> pairs, PairwiseJudge judge)
      implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      long t0 = System.nanoTime();
      Timestamp at = Timestamp.from(ctx.startedAt());
      java.sql.Date day = java.sql.Date.valueOf(ctx.runDate());
      log.count("calls", 0);
      PairwiseJudge.Outcome judged = judge == null ? null : judge.judge(log, writes);
      log.timed("judge", t0);
      Dataset<Row> prodVerdicts = AssertionRows.withVerdicts(ShadowComparison.target(pairs, "production"), suite)
          .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> shadowVerdicts = AssertionRows.withVerdicts(ShadowComparison.target(pairs, "shadow"), suite)
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Dataset<Row> verdicts = judged == null
            ? ctx.spark().createDataFrame(List.of(), org.apache.spark.sql.types.StructType.fromDDL(
                "input_key STRING, verdict STRING, length_imbalanced BOOLEAN"))
            : judged.judgements().select("input_key", "verdict", "length_imbalanced");
        Dataset<Row> compared = pairs
            .join(ShadowComparison.passedPerItem(prodVerdicts).withColumnRenamed("passed", "production_passed"), "item_id")
            .join(ShadowComparison.passedPerItem(shadowVerdicts).withColumnRenamed("passed", "shadow_passed"), "item_id")
            .join(verdicts, col("item_id").equalTo(col("input_key")), "left")
            .select(lit(day).as("run_date"), lit(shadow).as("shadow"), col("item_id"), col("content_hash"),
                col("production_call_id"), col("shadow_call_id"), col("production_prompt"), col("shadow_prompt"),
                col("production_model"), col("shadow_model"), col("production_chars"), col("shadow_chars"),
                lit(suite.criteria().size()).as("criteria"), col("production_passed"), col("shadow_passed"),
                col("production_cost_usd"), col("shadow_cost_usd"), col("production_output_tokens"),
                col("shadow_output_tokens"), ShadowComparison.shadowVerdict(col("verdict")).as("verdict"),
                col("length_imbalanced"), lit(ctx.runId()).as("run_id"), lit(at).as("created_at"));
        writes.replaceRunDate(compared, Table.SHADOW_COMPARISONS, ctx.runDate(), Map.of("shadow", shadow));
        log.timed("assert_write", t0);
        long t1 = System.nanoTime();
        List<Row> metrics = new ArrayList<>();
        passRates(prodVerdicts, shadowVerdicts, metrics);
        sizes(metrics);
        if (judged != null) {
          judgeRates("", judged.all(), metrics);
          judgeRates("_length_balanced", judged.lengthBalanced(), metrics);
        }
        List<Row> out = new ArrayList<>();
        for (Row m : metrics) {
          out.add(RowFactory.create(day, shadow, m.getString(0), m.get(1), m.get(2), difference(m), m.get(3), m.get(4), m.get(5),
              ctx.runId(), at));
        }
        writes.replaceRunDate(ctx.spark().createDataFrame(out, Table.SHADOW_REPORTS.schema()), Table.SHADOW_REPORTS,
            ctx.runDate(), Map.of("shadow", shadow));
        log.timed("report", t1);
        print(out);
        return null;
      } finally {
        prodVerdicts.unpersist();
        shadowVerdicts.unpersist();
      }
    }

    /** Pass rate per criterion (has_output, each of the suite's, all_criteria): production, shadow, the shadow's Wilson interval. */
    private void passRates(Dataset<Row> prodVerdicts, Dataset<Row> shadowVerdicts, List<Row> metrics) {
      Map<String, long[]> prod = AssertionRows.passCountsByCriterion(prodVerdicts, suite);
      Map<String, long[]> shad = AssertionRows.passCountsByCriterion(shadowVerdicts, suite);
      for (String c : prod.keySet()) {
        long[] p = prod.get(c);
        long[] s = shad.get(c);
        WinRates.Interval ws = WinRates.wilson(s[1], s[0]);
        metrics.add(RowFactory.create("pass_rate:" + c, rate(p), rate(s), s[0] == 0 ? null : ws.low(),
            s[0] == 0 ? null : ws.high(), s[0]));
      }
    }

    private static Double rate(long[] rowsPassed) {
      return rowsPassed[0] == 0 ? null : (double) rowsPassed[1] / rowsPassed[0];
    }

    /**
     * Items compared; mean summary length and output tokens per item; total and per-item cost, each
     * call counted once (items with the same content share one call).
     */
    private void sizes(List<Row> metrics) {
      Row m = pairs.agg(count(lit(1)), avg("production_chars"), avg("shadow_chars"), avg("production_output_tokens"),
          avg("shadow_output_tokens")).first();
      long n = m.getLong(0);
      metrics.add(RowFactory.create("items_compared", (double) n, (double) n, null, null, n));
      metrics.add(RowFactory.create("mean_summary_chars", m.get(1), m.get(2), null, null, n));
      metrics.add(RowFactory.create("mean_output_tokens", m.get(3), m.get(4), null, null, n));
      double prodCost = cost("production");
      double shadowCost = cost("shadow");
      metrics.add(RowFactory.create("cost_usd", prodCost, shadowCost, null, null, n));
      metrics.add(RowFactory.create("cost_usd_per_item", n == 0 ? null : prodCost / n, n == 0 ? null : shadowCost / n, null, null, n));
    }

    private double cost(String side) {
      Row r = pairs.select(col(side + "_call_id"), col(side + "_cost_usd")).distinct().agg(coalesce(sum(col(side + "_cost_usd")), lit(0.0)))
          .first();
      return r.getDouble(0);
    }

    /**
     * The judge's rates from both sides: production's (A's) win rate beside the shadow's (B's), the tie
     * rate, and the score (wins + ½ ties), each with the shadow's 95% interval.
     */
    private static void judgeRates(String suffix, WinRates a, List<Row> metrics) {
      long n = a.pairs();
      if (n == 0) {
        return;
      }
      WinRates.Interval shadowScore = new WinRates.Interval(1 - a.score().value(), 1 - a.score().high(), 1 - a.score().low());
      metrics.add(RowFactory.create("judge_win_rate" + suffix, a.winRate().value(), a.lossRate().value(), a.lossRate().low(),
          a.lossRate().high(), n));
      metrics.add(RowFactory.create("judge_tie_rate" + suffix, a.tieRate().value(), a.tieRate().value(), a.tieRate().low(),
          a.tieRate().high(), n));
      metrics.add(RowFactory.create("judge_score" + suffix, a.score().value(), shadowScore.value(), shadowScore.low(),
          shadowScore.high(), n));
    }

    private static Double difference(Row m) {
      return m.isNullAt(1) || m.isNullAt(2) ? null : ((Number) m.get(2)).doubleValue() - ((Number) m.get(1)).doubleValue();
    }

    private void print(List<Row> rows) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "shadow-report %s against production:%n  %-28s %12s %12s %12s  %s%n",
          shadow, "metric", "production", "shadow", "difference", "shadow 95% interval"));
      for (Row r : rows) {
        sb.append(String.format(Locale.ROOT, "  %-28s %12s %12s %12s  %s%n", r.getString(2), num(r.get(3)), num(r.get(4)), num(r.get(5)),
            r.isNullAt(6) ? "" : String.format(Locale.ROOT, "[%.3f, %.3f]", r.getDouble(6), r.getDouble(7))));
      }
      sb.append("shadow-report promotes nothing: to adopt the candidate, put its settings (summarize.shadows.").append(shadow)
          .append(".set) into the production config.\n");
      System.out.print(sb);
    }

    private static String num(Object v) {
      if (v == null) {
        return "-";
      }
      double d = ((Number) v).doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 1e12 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.4f", d);
    }

    @Override
    public void close() {
      if (judge != null) {
        judge.close();
      }
      pairs.unpersist();
    }
  }
}
