package io.flywheel.skew;

import static org.apache.spark.sql.functions.col;

import io.flywheel.table.Rows;
import io.flywheel.table.Table;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The rows of {@code skew_features} (docs/tables.md#skew_features): one per field and feature with
 * both sides' statistics, every distance and its verdict, plus run-level rows (the drifted share,
 * the embedding classifier's AUC) that carry their figure in {@code value}. Also reads back the
 * history the alert rule compares with.
 */
public final class SkewFeatureRows {
  /** The distances of each family, in the order verdicts and reports list them. */
  public static final List<String> NUMERIC_DISTANCES = List.of("js", "psi", "wasserstein_norm");
  public static final List<String> CATEGORICAL_DISTANCES = List.of("js", "linf");
  /** Run-level rows: {@code field} values that are not a text field. */
  /** The {@code field} of the features of the input texts, and of the output texts. */
  public static final String INPUT_FIELD = "input";
  public static final String OUTPUT_FIELD = "output";
  public static final List<String> FIELDS = List.of(INPUT_FIELD, OUTPUT_FIELD);
  public static final String RUN_FIELD = "run";
  public static final String EMBEDDING_FIELD = "embedding";

  private SkewFeatureRows() {}

  /** What every row of one run shares: the date, the run, and both sides' sizes. */
  public record RunSides(LocalDate runDate, String runId, SkewInputs.SideCounts dev, SkewInputs.SideCounts prod) {}

  /** A numeric feature's distances by name, as {@link DriftVerdict#judge} takes them. */
  public static Map<String, Double> distances(NumericDrift d) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("js", d.jensenShannon());
    m.put("psi", d.psi());
    m.put("wasserstein_norm", d.wassersteinNorm());
    return m;
  }

  /** A categorical feature's distances by name. */
  public static Map<String, Double> distances(CategoricalDrift d) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("js", d.jensenShannon());
    m.put("linf", d.lInfinity());
    return m;
  }

  public static Row numeric(RunSides run, String field, String feature, NumericDrift d, double threshold, DriftVerdict v) {
    return RowFactory.create(Date.valueOf(run.runDate()), run.runId(), field, feature, "numeric",
        run.dev().rows(), run.prod().rows(), blanks(run.dev(), field), blanks(run.prod(), field),
        d.devCount(), d.prodCount(), d.devNulls(), d.prodNulls(), d.devMean(), d.devStd(), d.prodMean(), d.prodStd(),
        d.min(), d.max(), d.bins(), longs(d.devHistogram()), longs(d.prodHistogram()), null, null,
        d.jensenShannon(), d.psi(), d.wassersteinNorm(), d.wassersteinExact(), d.wassersteinErrorBound(), null, null,
        null, threshold, v.breached(), Rows.seq(v.breachedBy()), v.reliable(), v.alert(), v.alertReason());
  }

  public static Row categorical(RunSides run, String field, String feature, CategoricalDrift d, double threshold,
      DriftVerdict v) {
    return RowFactory.create(Date.valueOf(run.runDate()), run.runId(), field, feature, "categorical",
        run.dev().rows(), run.prod().rows(), blanks(run.dev(), field), blanks(run.prod(), field),
        d.devCount(), d.prodCount(), d.devNulls(), d.prodNulls(), null, null, null, null, null, null, null, null, null,
        map(d.devCounts()), map(d.prodCounts()), d.jensenShannon(), null, null, null, null, d.lInfinity(),
        d.largestGapCategory(), null, threshold, v.breached(), Rows.seq(v.breachedBy()), v.reliable(), v.alert(),
        v.alertReason());
  }

  /**
   * A run-level figure (e.g. {@code run}/{@code drifted_share}, {@code embedding}/{@code classifier_auc})
   * in {@code value}; with a {@code threshold}, a value over it is a breach and an alert.
   */
  public static Row metric(RunSides run, String field, String feature, double value, Double threshold) {
    boolean breached = threshold != null && value > threshold;
    String reason = breached ? String.format(java.util.Locale.ROOT, "value %.3f > threshold %.3f", value, threshold) : null;
    return RowFactory.create(Date.valueOf(run.runDate()), run.runId(), field, feature, "metric",
        run.dev().rows(), run.prod().rows(), run.dev().blankInputs(), run.prod().blankInputs(),
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, value, threshold, breached,
        Rows.seq(breached ? List.of("value") : List.<String>of()), true, breached, reason);
  }

  public static Dataset<Row> frame(org.apache.spark.sql.SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, Table.SKEW_FEATURES.schema());
  }

  /**
   * The past values of every distance, keyed {@code field/feature/distance}, most recent first: the
   * rows of the last {@code historyRuns} run dates before {@code runDate}. A Wasserstein value marked
   * unreliable is left out, as it was left out of its own run's verdict.
   */
  public static Map<String, List<Double>> history(Dataset<Row> skewFeatures, LocalDate runDate, int historyRuns) {
    Dataset<Row> past = skewFeatures.where(col("run_date").lt(java.sql.Date.valueOf(runDate))
        .and(col("field").isin(FIELDS.toArray())));
    List<Date> dates = new ArrayList<>();
    for (Row r : past.select("run_date").distinct().orderBy(col("run_date").desc()).limit(historyRuns).collectAsList()) {
      dates.add(r.getDate(0));
    }
    Map<String, List<Double>> out = new HashMap<>();
    if (dates.isEmpty()) {
      return out;
    }
    for (Row r : past.where(col("run_date").isin(dates.toArray()))
        .select("field", "feature", "js", "psi", "wasserstein_norm", "linf", "reliable")
        .orderBy(col("run_date").desc()).collectAsList()) {
      String prefix = r.getString(0) + "/" + r.getString(1) + "/";
      boolean reliable = !r.isNullAt(6) && r.getBoolean(6);
      String[] names = {"js", "psi", "wasserstein_norm", "linf"};
      for (int i = 0; i < names.length; i++) {
        if (r.isNullAt(2 + i) || (names[i].equals("wasserstein_norm") && !reliable)) {
          continue;
        }
        out.computeIfAbsent(prefix + names[i], k -> new ArrayList<>()).add(r.getDouble(2 + i));
      }
    }
    return out;
  }

  /** The part of {@link #history} that belongs to one field and feature: distance name to values. */
  public static Map<String, List<Double>> historyOf(Map<String, List<Double>> all, String field, String feature) {
    Map<String, List<Double>> out = new HashMap<>();
    String prefix = field + "/" + feature + "/";
    all.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }

  /** The distances a numeric feature's verdict leaves out: Wasserstein when dev is near-constant. */
  public static Set<String> unreliable(NumericDrift d, double minDevStd) {
    return d.wassersteinNorm() != null && !DriftVerdict.wassersteinReliable(d.devStd(), minDevStd)
        ? Set.of("wasserstein_norm") : Set.of();
  }

  private static long blanks(SkewInputs.SideCounts c, String field) {
    return field.equals(OUTPUT_FIELD) ? c.blankOutputs() : c.blankInputs();
  }

  private static scala.collection.immutable.Seq<Long> longs(long[] v) {
    List<Long> l = new ArrayList<>(v.length);
    for (long x : v) {
      l.add(x);
    }
    return Rows.seq(l);
  }

  private static scala.collection.Map<String, Long> map(Map<String, Long> m) {
    return CollectionConverters.asScala(new java.util.TreeMap<>(m));
  }
}
