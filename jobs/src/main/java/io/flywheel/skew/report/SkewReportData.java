package io.flywheel.skew.report;

import io.flywheel.skew.NumericDrift;
import java.time.LocalDate;
import java.util.List;

/**
 * Everything one skew report shows, as plain values: the skew job's loader fills it from the skew
 * tables and {@link SkewReport} turns it into one HTML file (docs/skew.md#report). Null lists are
 * taken as empty, so a first run (no trend yet) or a run without clusters still renders.
 */
public record SkewReportData(
    String runId,
    LocalDate runDate,
    Summary summary,
    List<FeatureRow> features,
    List<Histogram> histograms,
    List<ClusterRow> clusters,
    List<TrendPoint> trend) {

  public SkewReportData {
    features = copy(features);
    histograms = copy(histograms);
    clusters = copy(clusters);
    trend = copy(trend);
  }

  /**
   * The run in a few figures.
   *
   * @param devNullInputs dev rows whose input text is null or blank (counted, not dropped)
   * @param classifierAuc ROC AUC of the dev-vs-prod classifier on embeddings; null when not computed
   * @param aucThreshold AUC above which the whole set counts as drifted (0.55 by default)
   */
  public record Summary(
      long devRows,
      long prodRows,
      long devNullInputs,
      long prodNullInputs,
      int featuresDrifted,
      int featuresTotal,
      Double classifierAuc,
      double aucThreshold,
      int coverageGaps) {}

  /**
   * One feature's distances, dev vs prod (docs/skew.md#distances); a distance is null when it does
   * not apply to the kind (PSI for a categorical feature) or a side had no value.
   *
   * @param field {@code input} or {@code output}
   * @param kind {@code numeric} or {@code categorical}
   * @param breached a distance is over {@code threshold}
   * @param reliable false when the job judged the distances unreliable (e.g. a near-constant dev side)
   * @param alert the job raised an alert (breach, or a move of more than 3 standard deviations)
   * @param alertReason why, in words; null without an alert
   */
  public record FeatureRow(
      String field,
      String feature,
      String kind,
      Double js,
      Double psi,
      Double wassersteinNorm,
      Double linf,
      String largestGapCategory,
      double threshold,
      boolean breached,
      boolean reliable,
      boolean alert,
      String alertReason) {}

  /**
   * Dev and prod counts over the same bins.
   *
   * @param title what is counted, with its unit, e.g. {@code input length (characters)}
   * @param binEdges k + 1 ascending edges of k bins
   */
  public record Histogram(String title, double[] binEdges, long[] devCounts, long[] prodCounts) {
    public Histogram {
      binEdges = binEdges == null ? new double[0] : binEdges.clone();
      devCounts = devCounts == null ? new long[0] : devCounts.clone();
      prodCounts = prodCounts == null ? new long[0] : prodCounts.clone();
      int bins = Math.max(devCounts.length, prodCounts.length);
      if (devCounts.length != prodCounts.length || (bins > 0 && binEdges.length != bins + 1)) {
        throw new IllegalArgumentException("histogram '" + title + "': " + binEdges.length + " bin edges, "
            + devCounts.length + " dev counts and " + prodCounts.length
            + " prod counts; expected k + 1 edges and k counts per side");
      }
    }

    /** Number of bins. */
    public int bins() {
      return devCounts.length;
    }

    /**
     * The shared Sturges histogram of a numeric feature (docs/skew.md#numeric-features): k equal-width
     * bins over [min, max]; no bin when a side had no value.
     */
    public static Histogram of(String title, NumericDrift drift) {
      if (drift.min() == null || drift.max() == null || drift.bins() == 0) {
        return new Histogram(title, new double[0], new long[0], new long[0]);
      }
      int k = drift.bins();
      double[] edges = new double[k + 1];
      for (int i = 0; i < k; i++) {
        edges[i] = drift.min() + i * (drift.max() - drift.min()) / k;
      }
      edges[k] = drift.max();
      return new Histogram(title, edges, drift.devHistogram(), drift.prodHistogram());
    }
  }

  /**
   * One embedding cluster (docs/skew.md).
   *
   * @param driftRatio (prod − dev) / (prod + dev), as the skew job defines it
   * @param topTerms the cluster's most distinctive terms, best first
   * @param examples up to 5 example texts (prod ones for a coverage gap)
   */
  public record ClusterRow(
      int cluster,
      long devCount,
      long prodCount,
      double driftRatio,
      boolean coverageGap,
      List<String> topTerms,
      List<String> examples) {
    public ClusterRow {
      topTerms = copy(topTerms);
      examples = copy(examples);
    }
  }

  /**
   * One value of one series on one past (or the current) run date.
   *
   * @param series what the value is, e.g. {@code drifted share} or {@code input chars js}
   */
  public record TrendPoint(LocalDate runDate, String series, double value) {}

  private static <T> List<T> copy(List<T> list) {
    // Not List.copyOf: a null element is the loader's slip, not a reason to lose the report.
    return list == null ? List.of() : list.stream().filter(x -> x != null).toList();
  }
}
