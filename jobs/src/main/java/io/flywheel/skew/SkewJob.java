package io.flywheel.skew;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.trim;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.skew.report.SkewReport;
import io.flywheel.skew.report.SkewReportData;
import io.flywheel.skew.report.SkewReportLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Dev vs production skew: structural features of the input and output texts of both sides, their
 * distances, thresholds, breaches and alerts, written to {@code skew_features} per run date (the
 * embedding clusters, nondeterminism and report steps plug in below). Run it with
 * {@code bin/flywheel skew --run-date 2026-11-28}. See docs/skew.md#the-skew-job.
 */
public final class SkewJob implements Job {
  static final String JOB = "skew";
  private static final String IN = "in_";
  private static final String OUT = "out_";

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "compare dev and production texts: feature distances, thresholds, alerts";
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.SKEW_FEATURES, Table.SKEW_CLUSTERS, Table.SKEW_EXAMPLES, Table.NONDETERMINISM, Table.LLM_CALLS,
        Table.TEXT_EMBEDDINGS);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.skew();
  }

  /** Reads both sides and checks them (a missing, empty or all-blank side is a config error); writes nothing. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.Skew cfg = ctx.config().skew();
    Dataset<Row> dev = SkewInputs.dev(ctx.spark(), cfg.dev());
    Dataset<Row> prod = SkewInputs.prod(ctx.spark(), ctx.warehouse(), cfg.prod(), ctx.runDate());
    boolean prodHasOutput = cfg.prod().source().equals("llm_calls") || !SkewInputs.blank(cfg.prod().columns().output());
    boolean outputs = !SkewInputs.blank(cfg.dev().columns().output()) && prodHasOutput;
    Dataset<Row> sides = SkewInputs.union(dev, prod);
    Map<String, SkewInputs.SideCounts> counts = SkewInputs.countSides(sides);
    SkewInputs.SideCounts d = counts.get(DriftAggregates.DEV);
    SkewInputs.SideCounts p = counts.get(DriftAggregates.PROD);
    SkewInputs.check("dev", d, outputs, new String[] {"skew.dev.path", "skew.dev.columns.input", "skew.dev.columns.output"},
        cfg.dev().path());
    FlywheelConfig.SkewProd pc = cfg.prod();
    if (pc.source().equals("table")) {
      SkewInputs.check("prod", p, outputs,
          new String[] {"skew.prod.path", "skew.prod.columns.input", "skew.prod.columns.output"}, pc.path());
    } else {
      SkewInputs.check("prod", p, outputs, new String[] {"skew.prod.source", "skew.prod.input_field", "skew.prod.source"},
          String.format(Locale.ROOT, "llm_calls%s of jobs %s%s with a response and call_date in (%s, %s]",
              SkewInputs.blank(pc.path()) ? "" : " at " + pc.path(), pc.jobs(),
              pc.promptIds().isEmpty() ? "" : ", prompts " + pc.promptIds(), ctx.runDate().minusDays(pc.windowDays()),
              ctx.runDate()));
    }
    for (String side : List.of(DriftAggregates.DEV, DriftAggregates.PROD)) {
      SkewInputs.SideCounts c = counts.get(side);
      log.count(side + "_rows", c.rows());
      log.count(side + "_blank_inputs", c.blankInputs());
      if (outputs) {
        log.count(side + "_blank_outputs", c.blankOutputs());
      }
    }
    // The nondeterminism step's calls, at most (a rerun of the date sends only those not ended yet).
    FlywheelConfig.SkewNondeterminism nd = cfg.nondeterminism();
    log.count("plan_calls", Math.min(nd.sample(), d.rows() - d.blankInputs()) * (long) nd.repeats());
    log.timed("read_inputs", t0);
    int features = (SkewFeatures.NUMERIC.size() + SkewFeatures.CATEGORICAL.size()) * (outputs ? 2 : 1);
    System.out.printf(Locale.ROOT, "skew plan: %d dev rows (%d blank inputs) vs %d prod rows (%d blank inputs); %d features"
            + " (%s) compared on %d distances each; history: last %d run dates of skew_features%n",
        d.rows(), d.blankInputs(), p.rows(), p.blankInputs(), features, outputs ? "inputs and outputs" : "inputs only",
        SkewFeatureRows.NUMERIC_DISTANCES.size(), cfg.alert().historyRuns());
    return new Run(ctx, sides, outputs, new SkewFeatureRows.RunSides(ctx.runDate(), ctx.runId(), d, p));
  }

  /** The planned run: features, distances, verdicts, then the plug-in steps and the tables. */
  private record Run(RunContext ctx, Dataset<Row> sides, boolean outputs, SkewFeatureRows.RunSides run)
      implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      FlywheelConfig.Skew cfg = ctx.config().skew();

      // Step 1: structural features and their distances (docs/skew.md#spark-computation).
      long t0 = System.nanoTime();
      Drifts drifts = drifts(sides, outputs);
      log.timed("features_distances", t0);

      // Step 2: thresholds, the near-constant rule, alerts against the history (docs/skew.md#verdicts).
      long t1 = System.nanoTime();
      Map<String, List<Double>> history = SkewFeatureRows.history(
          ctx.warehouse().readOrEmpty(Table.SKEW_FEATURES), ctx.runDate(), cfg.alert().historyRuns());
      Verdicts verdicts = verdicts(drifts, history, cfg, run, log);
      List<Row> rows = new ArrayList<>(verdicts.rows());
      log.timed("verdicts", t1);

      // Step 3: embedding clusters, coverage gaps and the embedding classifier's AUC
      // (docs/skew.md#embedding-clusters); vectors cached in text_embeddings by content hash.
      if (cfg.embed().samplePerSide() > 0) {
        long te = System.nanoTime();
        rows.add(embeddingStep(ctx, writes, log, run));
        log.timed("embed_cluster", te);
      }

      // Step 4: nondeterminism, a stable sample of dev inputs summarized skew.nondeterminism.repeats
      // times through the provider layer (docs/skew.md#nondeterminism).
      FlywheelConfig.SkewNondeterminism nd = cfg.nondeterminism();
      if (nd.sample() > 0) {
        Nondeterminism.run(ctx, log, writes,
            sides.where(col(DriftAggregates.SIDE).equalTo(DriftAggregates.DEV)).select(col(SkewInputs.INPUT).as("text")),
            new Nondeterminism.Settings(nd.sample(), nd.repeats(), nd.seed(), cfg.prod().inputField(), nd.batchSize()));
      }

      // Step 5: skew_features, replaced for the run date in one transaction.
      long t2 = System.nanoTime();
      writes.replaceRunDate(SkewFeatureRows.frame(ctx.spark(), rows), Table.SKEW_FEATURES, ctx.runDate());
      log.timed("write", t2);

      // Step 6: the self-contained HTML report of the run date, from its tables and their history.
      long t3 = System.nanoTime();
      SkewReportData data = SkewReportLoader.load(ctx.warehouse(), ctx.runDate(), ctx.runId(), cfg);
      String report = writeReport(ctx, data);
      log.count("report_features", data.features().size());
      log.timed("report", t3);
      System.out.println("skew report: " + report);
      printAlerts(verdicts, log);
      return null;
    }

    /** Embeds a sample of both sides' inputs, clusters them, writes the clusters; returns the AUC row. */
    private Row embeddingStep(RunContext ctx, TableWrites writes, RunLog log, SkewFeatureRows.RunSides run) {
      FlywheelConfig.Skew cfg = ctx.config().skew();
      FlywheelConfig.SkewClusters cc = cfg.clusters();
      Dataset<Row> texts = sides.select(col(DriftAggregates.SIDE).as("side"), col(SkewInputs.INPUT).as("text"))
          .where(col("text").isNotNull().and(trim(col("text")).notEqual("")));
      SkewEmbedding.Output e = SkewEmbedding.run(texts, ctx.warehouse().readOrEmpty(Table.TEXT_EMBEDDINGS),
          cfg.embed().samplePerSide(), new SkewClusters.Settings(cc.algorithm(), cc.k(), cc.kMin(), cc.kMax(), cc.seed(),
              cc.gapMinProdShare(), cc.gapMinDriftRatio()), cfg.aucThreshold(), ctx.runDate(), ctx.runId());
      if (e.embedded() > 0) {
        writes.appendOnce(e.newCacheRows(), Table.TEXT_EMBEDDINGS, 0);
      }
      writes.replaceRunDate(e.clusters(), Table.SKEW_CLUSTERS, ctx.runDate());
      writes.replaceRunDate(e.examples(), Table.SKEW_EXAMPLES, ctx.runDate());
      long gaps = e.clusters().where(col("coverage_gap")).count();
      log.count("embedded_dev", e.sampledDev());
      log.count("embedded_prod", e.sampledProd());
      log.count("embeddings_computed", e.embedded());
      log.count("embeddings_cached", e.cached());
      log.count("clusters", e.clusters().count());
      log.count("coverage_gaps", gaps);
      System.out.printf(Locale.ROOT, "skew: %d clusters of %d dev and %d prod texts, %d coverage gap%s; embedding AUC %.3f (%s)%n",
          log.get("clusters"), e.sampledDev(), e.sampledProd(), gaps, gaps == 1 ? "" : "s", e.auc().auc(),
          e.auc().drift() ? "drift: above " + cfg.aucThreshold() : "no drift");
      // Rounded to 9 decimals: the classifier sums in the data's order, which differs between a run that
      // embeds and a rerun that reads the cache, and moved the last bit; the stored row must not.
      double auc = Math.round(e.auc().auc() * 1e9) / 1e9;
      return SkewFeatureRows.metric(run, SkewFeatureRows.EMBEDDING_FIELD, "classifier_auc", auc, cfg.aucThreshold());
    }

    @Override
    public void close() {}
  }

  /**
   * Writes the report where {@link #reportPath} says, replacing the file whole, on the local disk or
   * through Hadoop's file system ({@code s3a://}; {@link io.flywheel.table.TextFile}). Returns where it
   * was written.
   */
  static String writeReport(RunContext ctx, SkewReportData data) {
    return io.flywheel.table.TextFile.write(ctx.spark(), reportPath(ctx), SkewReport.render(data));
  }

  /**
   * Where the HTML report of the run date goes: {@code skew.report.dir}, else
   * {@code <warehouse.root>/reports/skew}; one file per run date, replaced by a rerun.
   */
  public static String reportPath(RunContext ctx) {
    String dir = ctx.config().skew().report().dir();
    String base = SkewInputs.blank(dir) ? ctx.warehouse().root() + "/reports/skew" : dir;
    return base + "/skew-" + ctx.runDate() + ".html";
  }

  /** The distances of every feature of both fields. */
  public record Drifts(List<NumericDrift> numeric, List<CategoricalDrift> categorical) {}

  /**
   * Adds the features of the input (and output) text, kept in memory for the three aggregation scans
   * (the features are a UDF over the text: computing them again would double the cost).
   */
  public static Drifts drifts(Dataset<Row> sides, boolean outputs) {
    Dataset<Row> withFeatures = SkewFeatures.withTextFeatures(sides, SkewInputs.INPUT, IN);
    if (outputs) {
      withFeatures = SkewFeatures.withTextFeatures(withFeatures, SkewInputs.OUTPUT, OUT);
    }
    List<String> numeric = new ArrayList<>(SkewFeatures.prefixed(IN, SkewFeatures.NUMERIC));
    List<String> categorical = new ArrayList<>(SkewFeatures.prefixed(IN, SkewFeatures.CATEGORICAL));
    if (outputs) {
      numeric.addAll(SkewFeatures.prefixed(OUT, SkewFeatures.NUMERIC));
      categorical.addAll(SkewFeatures.prefixed(OUT, SkewFeatures.CATEGORICAL));
    }
    List<Column> keep = new ArrayList<>();
    keep.add(col(DriftAggregates.SIDE));
    numeric.forEach(f -> keep.add(col(f)));
    categorical.forEach(f -> keep.add(col(f)));
    Dataset<Row> features = withFeatures.select(keep.toArray(Column[]::new)).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return new Drifts(DriftAggregates.numeric(features, numeric),
          DriftAggregates.categorical(features, categorical, CategoricalDrift.TOP_K));
    } finally {
      features.unpersist();
    }
  }

  /** The rows of skew_features for one run, and one line per feature that alerts. */
  record Verdicts(List<Row> rows, List<String> alerts) {}

  /** One skew_features row per field and feature with its verdict, plus the drifted-share row. */
  static Verdicts verdicts(Drifts drifts, Map<String, List<Double>> history, FlywheelConfig.Skew cfg,
      SkewFeatureRows.RunSides run, RunLog log) {
    List<Row> rows = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    long[] tally = new long[5]; // compared, breached, alert, unreliable, without values
    for (NumericDrift d : drifts.numeric()) {
      String field = fieldOf(d.feature());
      String feature = d.feature().substring(d.feature().indexOf('_') + 1);
      double threshold = cfg.threshold(feature);
      DriftVerdict v = d.jensenShannon() == null ? DriftVerdict.noValues()
          : DriftVerdict.judge(SkewFeatureRows.distances(d), SkewFeatureRows.unreliable(d, cfg.minDevStd()), threshold,
              SkewFeatureRows.historyOf(history, field, feature), cfg.alert().historyRuns(), cfg.alert().sigmas());
      rows.add(SkewFeatureRows.numeric(run, field, feature, d, threshold, v));
      tally(tally, d.jensenShannon() != null, v, field + " " + feature, alerts);
    }
    for (CategoricalDrift d : drifts.categorical()) {
      String field = fieldOf(d.feature());
      String feature = d.feature().substring(d.feature().indexOf('_') + 1);
      double threshold = cfg.threshold(feature);
      DriftVerdict v = d.jensenShannon() == null ? DriftVerdict.noValues()
          : DriftVerdict.judge(SkewFeatureRows.distances(d), java.util.Set.of(), threshold,
              SkewFeatureRows.historyOf(history, field, feature), cfg.alert().historyRuns(), cfg.alert().sigmas());
      rows.add(SkewFeatureRows.categorical(run, field, feature, d, threshold, v));
      tally(tally, d.jensenShannon() != null, v, field + " " + feature, alerts);
    }
    double share = tally[0] == 0 ? 0 : (double) tally[1] / tally[0];
    rows.add(SkewFeatureRows.metric(run, SkewFeatureRows.RUN_FIELD, "drifted_share", share, null));
    log.count("features_compared", tally[0]);
    log.count("features_breached", tally[1]);
    log.count("features_alert", tally[2]);
    log.count("features_unreliable", tally[3]);
    log.count("features_without_values", tally[4]);
    return new Verdicts(rows, alerts);
  }

  private static void tally(long[] t, boolean hasValues, DriftVerdict v, String name, List<String> alerts) {
    if (!hasValues) {
      t[4]++;
      return;
    }
    t[0]++;
    t[1] += v.breached() ? 1 : 0;
    t[2] += v.alert() ? 1 : 0;
    t[3] += v.reliable() ? 0 : 1;
    if (v.alert()) {
      alerts.add(name + ": " + v.alertReason());
    }
  }

  private static String fieldOf(String prefixed) {
    return prefixed.startsWith(OUT) ? SkewFeatureRows.OUTPUT_FIELD : SkewFeatureRows.INPUT_FIELD;
  }

  private static void printAlerts(Verdicts v, RunLog log) {
    System.out.printf(Locale.ROOT, "skew: %d of %d features breached their threshold, %d alert%s%n",
        log.get("features_breached"), log.get("features_compared"), log.get("features_alert"),
        v.alerts().isEmpty() ? "" : ":");
    for (String a : v.alerts()) {
      System.out.println("  " + a);
    }
  }
}
