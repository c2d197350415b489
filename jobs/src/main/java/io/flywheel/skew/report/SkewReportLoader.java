package io.flywheel.skew.report;

import static org.apache.spark.sql.functions.col;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.skew.SkewFeatureRows;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns one run date's {@code skew_features}, {@code skew_clusters} and {@code skew_examples} rows,
 * and the {@code skew_features} rows of the runs before it, into {@link SkewReportData}: only small
 * tables are read, and only the rows of the dates shown (docs/skew.md#report-data).
 */
public final class SkewReportLoader {
  /** Length features drawn as histograms, with their axis titles. */
  private static final Map<String, String> LENGTHS = Map.of(
      "chars", "length (characters)", "words", "length (words)", "est_tokens", "length (estimated tokens)");
  /** Feature trend lines at most (besides the drifted share and the AUC): the alerting features first. */
  static final int MAX_FEATURE_SERIES = 8;
  /** Example texts per cluster at most. */
  static final int MAX_EXAMPLES = 5;

  private SkewReportLoader() {}

  /**
   * The report data of {@code runDate} and the runs before it. The report names the run that wrote the
   * date's {@code skew_features} rows ({@code runId} when there are none): a rerun that computed the same
   * rows left them as they were (TableWrites.replaceRunDate) and renders the same report.
   */
  public static SkewReportData load(Warehouse wh, LocalDate runDate, String runId, FlywheelConfig.Skew cfg) {
    java.sql.Date day = java.sql.Date.valueOf(runDate);
    Dataset<Row> all = wh.readOrEmpty(Table.SKEW_FEATURES);
    List<Row> today = all.where(col("run_date").equalTo(day)).orderBy("field", "kind", "feature").collectAsList();

    List<SkewReportData.FeatureRow> features = new ArrayList<>();
    List<SkewReportData.Histogram> histograms = new ArrayList<>();
    long devRows = 0;
    long prodRows = 0;
    long devBlank = 0;
    long prodBlank = 0;
    int drifted = 0;
    int total = 0;
    Double auc = null;
    List<String> seriesKeys = new ArrayList<>();
    for (Row r : today) {
      String field = r.getAs("field");
      String feature = r.getAs("feature");
      devRows = r.<Long>getAs("dev_rows");
      prodRows = r.<Long>getAs("prod_rows");
      if (field.equals(SkewFeatureRows.EMBEDDING_FIELD) && feature.equals("classifier_auc")) {
        auc = r.getAs("value");
      }
      if (!SkewFeatureRows.FIELDS.contains(field)) {
        continue;
      }
      if (field.equals(SkewFeatureRows.INPUT_FIELD)) {
        devBlank = r.<Long>getAs("dev_blank_texts");
        prodBlank = r.<Long>getAs("prod_blank_texts");
      }
      boolean breached = bool(r, "breached");
      boolean alert = bool(r, "alert");
      if (r.getAs("js") != null) {
        total++;
        drifted += breached ? 1 : 0;
      }
      features.add(new SkewReportData.FeatureRow(field, feature, r.getAs("kind"), r.getAs("js"), r.getAs("psi"),
          r.getAs("wasserstein_norm"), r.getAs("linf"), r.getAs("largest_gap_category"), r.<Double>getAs("threshold"),
          breached, bool(r, "reliable"), alert, r.getAs("alert_reason")));
      if (alert) {
        seriesKeys.add(field + "/" + feature);
      }
      String length = LENGTHS.get(feature);
      Integer bins = r.getAs("bins");
      if (length != null && bins != null && bins > 0) {
        histograms.add(histogram(field + " " + length, r, bins));
      }
    }

    List<SkewReportData.ClusterRow> clusters = clusters(wh, day);
    int gaps = (int) clusters.stream().filter(SkewReportData.ClusterRow::coverageGap).count();
    SkewReportData.Summary summary = new SkewReportData.Summary(devRows, prodRows, devBlank, prodBlank, drifted, total,
        auc, cfg.aucThreshold(), gaps);
    String writtenBy = today.isEmpty() ? runId : today.get(0).<String>getAs("run_id");
    return new SkewReportData(writtenBy, runDate, summary, features, histograms, clusters,
        trend(all, runDate, cfg.alert().historyRuns(), seriesKeys));
  }

  private static SkewReportData.Histogram histogram(String title, Row r, int bins) {
    double min = r.<Double>getAs("min");
    double max = r.<Double>getAs("max");
    double[] edges = new double[bins + 1];
    for (int i = 0; i <= bins; i++) {
      edges[i] = i == bins ? max : min + (max - min) * i / bins;
    }
    return new SkewReportData.Histogram(title, edges, longs(r, "dev_histogram"), longs(r, "prod_histogram"));
  }

  /**
   * The trend lines over the last {@code historyRuns} run dates up to {@code runDate}: the drifted
   * share, the embedding AUC when there is one, and the Jensen–Shannon distance of each feature that
   * alerts today (at most {@link #MAX_FEATURE_SERIES}).
   */
  private static List<SkewReportData.TrendPoint> trend(Dataset<Row> all, LocalDate runDate, int historyRuns,
      List<String> alerting) {
    java.sql.Date day = java.sql.Date.valueOf(runDate);
    List<Object> dates = new ArrayList<>();
    for (Row r : all.where(col("run_date").leq(day)).select("run_date").distinct()
        .orderBy(col("run_date").desc()).limit(historyRuns + 1).collectAsList()) {
      dates.add(r.get(0));
    }
    List<SkewReportData.TrendPoint> out = new ArrayList<>();
    if (dates.isEmpty()) {
      return out;
    }
    Set<String> wanted = new LinkedHashSet<>(alerting.subList(0, Math.min(MAX_FEATURE_SERIES, alerting.size())));
    for (Row r : all.where(col("run_date").isin(dates.toArray())).orderBy("run_date", "field", "feature")
        .select("run_date", "field", "feature", "js", "value").collectAsList()) {
      LocalDate d = r.getDate(0).toLocalDate();
      String key = r.getString(1) + "/" + r.getString(2);
      if (key.equals(SkewFeatureRows.RUN_FIELD + "/drifted_share") && !r.isNullAt(4)) {
        out.add(new SkewReportData.TrendPoint(d, "drifted share", r.getDouble(4)));
      } else if (key.equals(SkewFeatureRows.EMBEDDING_FIELD + "/classifier_auc") && !r.isNullAt(4)) {
        out.add(new SkewReportData.TrendPoint(d, "embedding classifier AUC", r.getDouble(4)));
      } else if (wanted.contains(key) && !r.isNullAt(3)) {
        out.add(new SkewReportData.TrendPoint(d, r.getString(1) + " " + r.getString(2) + " js", r.getDouble(3)));
      }
    }
    return out;
  }

  /** The clusters of the run date with their examples (prod first), when the clusters step wrote any. */
  private static List<SkewReportData.ClusterRow> clusters(Warehouse wh, java.sql.Date day) {
    List<SkewReportData.ClusterRow> out = new ArrayList<>();
    if (!wh.exists(Table.SKEW_CLUSTERS)) {
      return out;
    }
    Map<Integer, List<String>> examples = new LinkedHashMap<>();
    if (wh.exists(Table.SKEW_EXAMPLES)) {
      for (Row r : wh.read(Table.SKEW_EXAMPLES).where(col("run_date").equalTo(day))
          .orderBy(col("cluster"), col("side").desc(), col("rank")).select("cluster", "text").collectAsList()) {
        List<String> list = examples.computeIfAbsent(r.getInt(0), k -> new ArrayList<>());
        if (list.size() < MAX_EXAMPLES) {
          list.add(r.getString(1));
        }
      }
    }
    for (Row r : wh.read(Table.SKEW_CLUSTERS).where(col("run_date").equalTo(day)).orderBy("cluster").collectAsList()) {
      int c = r.<Integer>getAs("cluster");
      List<String> terms = r.getAs("top_terms") == null ? List.of()
          : CollectionConverters.asJava(r.<scala.collection.Seq<String>>getAs("top_terms"));
      out.add(new SkewReportData.ClusterRow(c, r.<Long>getAs("dev_count"), r.<Long>getAs("prod_count"),
          r.<Double>getAs("drift_ratio"), bool(r, "coverage_gap"), List.copyOf(terms),
          examples.getOrDefault(c, List.of())));
    }
    return out;
  }

  private static boolean bool(Row r, String name) {
    Boolean b = r.getAs(name);
    return b != null && b;
  }

  private static long[] longs(Row r, String name) {
    scala.collection.Seq<Long> s = r.getAs(name);
    if (s == null) {
      return new long[0];
    }
    return CollectionConverters.asJava(s).stream().mapToLong(Long::longValue).toArray();
  }
}
