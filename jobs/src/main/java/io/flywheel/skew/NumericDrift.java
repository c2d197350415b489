package io.flywheel.skew;

/**
 * One numeric feature compared dev vs prod: both sides' summary statistics, the shared Sturges
 * histogram, and the three distances (docs/skew.md#distances). Distances are null when a side has
 * no non-null value. {@link #compare} is the exact, plain-Java reference; {@link DriftAggregates}
 * computes the same from a DataFrame.
 *
 * @param wassersteinExact false when Wasserstein-1 came from a fine histogram
 * @param wassersteinErrorBound largest possible error of {@code wassersteinNorm} (0 when exact)
 */
public record NumericDrift(
    String feature,
    long devCount,
    long prodCount,
    long devNulls,
    long prodNulls,
    Double min,
    Double max,
    Double devMean,
    Double devStd,
    Double prodMean,
    Double prodStd,
    int bins,
    long[] devHistogram,
    long[] prodHistogram,
    Double jensenShannon,
    Double psi,
    Double wassersteinNorm,
    boolean wassersteinExact,
    double wassersteinErrorBound) {

  /** Exact comparison of two samples (nulls already counted out by the caller). */
  public static NumericDrift compare(String feature, double[] dev, double[] prod, long devNulls, long prodNulls) {
    if (dev.length == 0 || prod.length == 0) {
      return new NumericDrift(feature, dev.length, prod.length, devNulls, prodNulls, null, null,
          mean(dev), std(dev), mean(prod), std(prod), 0, new long[0], new long[0], null, null, null, true, 0);
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double[] side : new double[][] {dev, prod}) {
      for (double v : side) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    int bins = Distances.sturgesBins((long) dev.length + prod.length);
    long[] hd = Distances.histogram(dev, min, max, bins);
    long[] hp = Distances.histogram(prod, min, max, bins);
    double devStd = Distances.populationStd(dev);
    double w1 = Distances.wasserstein(dev, prod);
    return new NumericDrift(feature, dev.length, prod.length, devNulls, prodNulls, min, max,
        mean(dev), devStd, mean(prod), Distances.populationStd(prod), bins, hd, hp,
        Distances.jensenShannon(Distances.toDoubles(hd), Distances.toDoubles(hp)),
        Distances.psi(Distances.toDoubles(hd), Distances.toDoubles(hp)),
        Distances.normalizedWasserstein(w1, devStd), true, 0);
  }

  private static Double mean(double[] v) {
    if (v.length == 0) {
      return null;
    }
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static Double std(double[] v) {
    return v.length == 0 ? null : Distances.populationStd(v);
  }
}
