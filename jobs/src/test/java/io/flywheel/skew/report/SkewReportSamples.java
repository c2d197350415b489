package io.flywheel.skew.report;

import io.flywheel.skew.report.SkewReportData.ClusterRow;
import io.flywheel.skew.report.SkewReportData.FeatureRow;
import io.flywheel.skew.report.SkewReportData.Histogram;
import io.flywheel.skew.report.SkewReportData.Summary;
import io.flywheel.skew.report.SkewReportData.TrendPoint;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Report inputs shaped like a drifted run of the sample data (docs/sample-data.md#skew-dev-vs-prod):
 * prod texts longer than dev, lower-cased, a topic dev never covers, and a hostile example text.
 */
final class SkewReportSamples {
  static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 28);
  static final String HOSTILE_TEXT = "<script>alert('x')</script> & <img src=x onerror=alert(1)> \"quoted\"";

  private SkewReportSamples() {}

  /** A drifted run: two histograms, ten features (two breached, one with an alert, one unreliable), six clusters (one gap), a week of trend. */
  static SkewReportData drifted() {
    Summary summary = new Summary(1_000, 1_500, 12, 31, 2, 10, 0.913, 0.55, 1);
    List<FeatureRow> features = List.of(
        numeric("input", "chars", 0.31, 0.86, 0.70, true, true, false, null),
        numeric("input", "words", 0.08, 0.05, 0.07, false, true, false, null),
        numeric("input", "sentences", 0.04, 0.02, 0.03, false, true, false, null),
        numeric("input", "lower_share", 0.32, 0.91, 1.24, true, true, true,
            "over its threshold, and 4.2 standard deviations above its last 14 values"),
        // W1/sigma over 0.1 on a near-constant dev side: unreliable, so not a breach (docs/skew.md).
        numeric("input", "fragment_share", 0.03, 0.006, 0.13, false, false, false, null),
        numeric("output", "chars", 0.02, 0.01, 0.02, false, true, false, null),
        categorical("input", "language", 0.06, 0.05, "es"),
        categorical("input", "has_pii", 0.01, 0.01, "true"),
        categorical("output", "is_valid_json", 0.07, 0.08, "false"),
        categorical("output", "json_keys", 0.02, 0.02, "key_features,summary"));
    List<Histogram> histograms = List.of(
        new Histogram("input length (characters)",
            new double[] {0, 120, 240, 360, 480, 600, 720, 840, 960},
            new long[] {80, 240, 310, 220, 100, 40, 10, 0},
            new long[] {40, 150, 260, 330, 300, 220, 130, 70}),
        new Histogram("output length (characters)",
            new double[] {0, 50, 100, 150, 200, 250},
            new long[] {90, 300, 400, 160, 50},
            new long[] {130, 460, 590, 250, 70}));
    List<ClusterRow> clusters = List.of(
        cluster(0, 210, 300, false, List.of("kitchen", "knife", "steel"), List.of("A chef's knife of carbon steel.")),
        cluster(1, 190, 260, false, List.of("garden", "hose", "watering"), List.of("Expanding garden hose, 30 m.")),
        cluster(2, 250, 330, false, List.of("lamp", "desk", "led"), List.of("Desk lamp with a dimmable LED.")),
        cluster(3, 180, 240, false, List.of("kids", "puzzle", "toy"), List.of("Wooden puzzle for kids 3+.")),
        cluster(4, 170, 150, false, List.of("running", "shoes", "trail"), List.of("Trail running shoes.")),
        cluster(5, 0, 220, true, List.of("crypto", "wallet", "<seed>"),
            List.of("hardware crypto wallet with seed backup & passphrase",
                HOSTILE_TEXT,
                "cold storage wallet, bluetooth, supports 5,000 coins",
                "long description: " + "very long text ".repeat(80))));
    List<TrendPoint> trend = new ArrayList<>();
    double[] drifted = {0.0, 0.1, 0.1, 0.0, 0.1, 0.2, 0.2};
    double[] charsJs = {0.03, 0.05, 0.08, 0.06, 0.12, 0.25, 0.31};
    for (int i = 0; i < drifted.length; i++) {
      LocalDate d = RUN_DATE.minusDays(drifted.length - 1 - i);
      trend.add(new TrendPoint(d, "drifted share", drifted[i]));
      trend.add(new TrendPoint(d, "input chars js", charsJs[i]));
    }
    return new SkewReportData("skew-2026-11-28-<run>", RUN_DATE, summary, features, histograms, clusters, trend);
  }

  /** A first run with nothing measured yet: no histogram, feature, cluster or trend. */
  static SkewReportData empty() {
    return new SkewReportData("first", RUN_DATE, new Summary(0, 0, 0, 0, 0, 0, null, 0.55, 0),
        List.of(), List.of(), List.of(), List.of());
  }

  private static FeatureRow numeric(String field, String feature, double js, double psi, double w1,
      boolean breached, boolean reliable, boolean alert, String reason) {
    return new FeatureRow(field, feature, "numeric", js, psi, w1, null, null, 0.1, breached, reliable, alert, reason);
  }

  private static FeatureRow categorical(String field, String feature, double js, double linf, String gapAt) {
    return new FeatureRow(field, feature, "categorical", js, null, null, linf, gapAt, 0.1, false, true, false, null);
  }

  private static ClusterRow cluster(int id, long dev, long prod, boolean gap, List<String> terms, List<String> examples) {
    return new ClusterRow(id, dev, prod, (double) (prod - dev) / (prod + dev), gap, terms, examples);
  }
}
