package io.flywheel.skew.report;

import java.time.LocalDate;
import java.util.List;

/**
 * Everything the HTML skew report of one run shows, as plain values (no Spark): filled by
 * {@link SkewReportLoader} from the run's tables and their history. The skew job's copy of the
 * shapes agreed with the report renderer (docs/skew.md#report-data).
 */
public record SkewReportData(String runId, LocalDate runDate, Summary summary, List<FeatureRow> features,
    List<Histogram> histograms, List<ClusterRow> clusters, List<TrendPoint> trend) {

  /** The header figures: side sizes, null-or-blank inputs, drifted share, AUC and coverage gaps. */
  public record Summary(long devRows, long prodRows, long devNullInputs, long prodNullInputs,
      int featuresDrifted, int featuresTotal, Double classifierAuc, double aucThreshold, int coverageGaps) {}

  /** One row of the distance table; {@code field} is input or output, {@code kind} numeric or categorical. */
  public record FeatureRow(String field, String feature, String kind, Double js, Double psi, Double wassersteinNorm,
      Double linf, String largestGapCategory, double threshold, boolean breached, boolean reliable, boolean alert,
      String alertReason) {}

  /** Dev and prod counts over shared bins ({@code binEdges} has one more entry than each count array). */
  public record Histogram(String title, double[] binEdges, long[] devCounts, long[] prodCounts) {}

  /** One embedding cluster: sizes per side, drift ratio, gap flag, top terms and up to 5 example texts. */
  public record ClusterRow(int cluster, long devCount, long prodCount, double driftRatio, boolean coverageGap,
      List<String> topTerms, List<String> examples) {}

  /** One point of a trend line over past runs, e.g. series "drifted share" or "input chars js". */
  public record TrendPoint(LocalDate runDate, String series, double value) {}
}
