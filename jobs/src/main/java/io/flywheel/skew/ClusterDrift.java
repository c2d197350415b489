package io.flywheel.skew;

/**
 * One cluster's dev and prod figures: counts, each side's share, the drift ratio on the shares and
 * the coverage-gap rule (docs/skew.md#embedding-clusters).
 *
 * @param driftRatio (prod share − dev share) / (prod share + dev share), in [−1, 1]; null for a
 *     cluster with no row on either side
 */
public record ClusterDrift(long devCount, long prodCount, double devShare, double prodShare, Double driftRatio,
    boolean coverageGap) {

  /**
   * The figures of a cluster holding {@code devCount} of the {@code devTotal} dev texts and {@code
   * prodCount} of the {@code prodTotal} prod texts; a coverage gap when the prod share is at least
   * {@code gapMinProdShare} and the drift ratio at least {@code gapMinDriftRatio}.
   */
  public static ClusterDrift of(long devCount, long prodCount, long devTotal, long prodTotal,
      double gapMinProdShare, double gapMinDriftRatio) {
    if (devTotal <= 0 || prodTotal <= 0) {
      throw new IllegalArgumentException("both sides need texts: dev " + devTotal + ", prod " + prodTotal);
    }
    if (devCount < 0 || prodCount < 0 || devCount > devTotal || prodCount > prodTotal) {
      throw new IllegalArgumentException("cluster counts dev " + devCount + ", prod " + prodCount
          + " do not fit the totals dev " + devTotal + ", prod " + prodTotal);
    }
    double devShare = (double) devCount / devTotal;
    double prodShare = (double) prodCount / prodTotal;
    Double ratio = driftRatio(devShare, prodShare);
    return new ClusterDrift(devCount, prodCount, devShare, prodShare, ratio,
        isCoverageGap(prodShare, ratio, gapMinProdShare, gapMinDriftRatio));
  }

  /**
   * (prod − dev) / (prod + dev) on the two sides' shares, so that a prod side ten times larger than
   * dev does not push every cluster towards +1; null when both shares are 0.
   */
  public static Double driftRatio(double devShare, double prodShare) {
    double sum = devShare + prodShare;
    return sum == 0 ? null : (prodShare - devShare) / sum;
  }

  /** The coverage-gap rule: prod share and drift ratio both at or over their minimums. */
  public static boolean isCoverageGap(double prodShare, Double driftRatio, double gapMinProdShare,
      double gapMinDriftRatio) {
    return driftRatio != null && prodShare >= gapMinProdShare && driftRatio >= gapMinDriftRatio;
  }

  /**
   * The binomial standard error √(p(1 − p)/n) of a share {@code p} estimated from a sample of {@code
   * n} texts (drawn from many more; no finite-population correction).
   */
  public static double shareStandardError(double p, long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("sample size must be positive, was " + n);
    }
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("share must be in [0, 1], was " + p);
    }
    return Math.sqrt(p * (1 - p) / n);
  }
}
