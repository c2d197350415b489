package io.flywheel.skew;

import java.util.Arrays;

/**
 * The dev–prod distance formulas, on plain arrays: Sturges bins, Jensen–Shannon distance, PSI,
 * L-infinity and Wasserstein-1 (exact from values, or from a fine shared histogram). Formulas and
 * their sources (scipy, Evidently, TFDV, Deequ): docs/skew.md#distances.
 */
public final class Distances {
  /** Share given to an empty bin in PSI, so that its logarithm stays finite. */
  public static final double PSI_EMPTY_SHARE = 0.0001;

  /** Smallest dev standard deviation Wasserstein-1 is divided by. */
  public static final double WASSERSTEIN_MIN_NORM = 0.001;

  private Distances() {}

  /** Sturges' rule over {@code n} values: ceil(log2 n) + 1 bins (1 for n <= 1), as numpy's "sturges". */
  public static int sturgesBins(long n) {
    if (n <= 1) {
      return 1;
    }
    // ceil(log2 n) in integers: floating log2 of a power of two may land a hair above the integer.
    return (64 - Long.numberOfLeadingZeros(n - 1)) + 1;
  }

  /**
   * Equal-width bin of {@code v} among {@code bins} over [min, max]; the last bin is closed, as in
   * numpy.histogram. The Spark side uses the same expression (DriftAggregates), so both agree exactly.
   */
  public static int bin(double v, double min, double max, int bins) {
    double range = max - min;
    if (range <= 0) {
      return 0;
    }
    int b = (int) Math.floor((v - min) * bins / range);
    return Math.max(0, Math.min(bins - 1, b));
  }

  /** Counts of {@code values} in {@code bins} equal-width bins over [min, max]. */
  public static long[] histogram(double[] values, double min, double max, int bins) {
    long[] h = new long[bins];
    for (double v : values) {
      h[bin(v, min, max, bins)]++;
    }
    return h;
  }

  /**
   * Jensen–Shannon distance (natural log): sqrt((KL(p||m) + KL(q||m)) / 2), m = (p + q) / 2, after
   * normalizing each side to sum 1, as scipy.spatial.distance.jensenshannon. 0 = same, sqrt(ln 2) = disjoint.
   */
  public static double jensenShannon(double[] p, double[] q) {
    checkSameLength(p, q);
    double[] a = normalized(p);
    double[] b = normalized(q);
    double kl = 0;
    for (int i = 0; i < a.length; i++) {
      double m = (a[i] + b[i]) / 2;
      kl += relEntr(a[i], m) + relEntr(b[i], m);
    }
    // Rounding can leave a tiny negative divergence for identical inputs.
    return Math.sqrt(Math.max(0, kl / 2));
  }

  /**
   * Population stability index: sum over bins of (d - p) * ln(d / p), with d and p the dev and prod
   * shares and an empty bin's share set to {@link #PSI_EMPTY_SHARE}.
   */
  public static double psi(double[] devCounts, double[] prodCounts) {
    checkSameLength(devCounts, prodCounts);
    double[] d = normalized(devCounts);
    double[] p = normalized(prodCounts);
    double sum = 0;
    for (int i = 0; i < d.length; i++) {
      double di = d[i] == 0 ? PSI_EMPTY_SHARE : d[i];
      double pi = p[i] == 0 ? PSI_EMPTY_SHARE : p[i];
      sum += (di - pi) * Math.log(di / pi);
    }
    return sum;
  }

  /** L-infinity distance: the largest absolute gap between the two sides' shares. */
  public static double lInfinity(double[] devCounts, double[] prodCounts) {
    checkSameLength(devCounts, prodCounts);
    double[] d = normalized(devCounts);
    double[] p = normalized(prodCounts);
    double max = 0;
    for (int i = 0; i < d.length; i++) {
      max = Math.max(max, Math.abs(d[i] - p[i]));
    }
    return max;
  }

  /**
   * Exact Wasserstein-1 between two weighted empirical distributions: the integral of |F - G|
   * over the merged support, as scipy.stats.wasserstein_distance. Values must be sorted ascending
   * and distinct within each side; weights are counts.
   */
  public static double wasserstein(double[] devValues, long[] devCounts, double[] prodValues, long[] prodCounts) {
    double nd = sum(devCounts);
    double np = sum(prodCounts);
    int i = 0;
    int j = 0;
    double cd = 0;
    double cp = 0;
    double prev = Double.NaN;
    double total = 0;
    while (i < devValues.length || j < prodValues.length) {
      double x;
      if (j >= prodValues.length || (i < devValues.length && devValues[i] <= prodValues[j])) {
        x = devValues[i];
      } else {
        x = prodValues[j];
      }
      if (!Double.isNaN(prev)) {
        total += Math.abs(cd / nd - cp / np) * (x - prev);
      }
      while (i < devValues.length && devValues[i] == x) {
        cd += devCounts[i++];
      }
      while (j < prodValues.length && prodValues[j] == x) {
        cp += prodCounts[j++];
      }
      prev = x;
    }
    return total;
  }

  /** {@link #wasserstein(double[], long[], double[], long[])} over raw samples. */
  public static double wasserstein(double[] dev, double[] prod) {
    ValueCounts d = ValueCounts.of(dev);
    ValueCounts p = ValueCounts.of(prod);
    return wasserstein(d.values, d.counts, p.values, p.counts);
  }

  /**
   * Wasserstein-1 from two histograms over the same {@code bins} equal-width bins on [min, max],
   * taking each bin's mass as spread evenly over the bin (both CDFs linear inside a bin). Exact at
   * bin edges; off by at most one bin width, (max - min) / bins, in all (docs/skew.md#wasserstein).
   */
  public static double wassersteinFromBins(long[] dev, long[] prod, double min, double max) {
    checkSameLength(dev.length, prod.length);
    double w = (max - min) / dev.length;
    if (w <= 0) {
      return 0;
    }
    double nd = sum(dev);
    double np = sum(prod);
    double cd = 0;
    double cp = 0;
    double total = 0;
    for (int i = 0; i < dev.length; i++) {
      double left = cd / nd - cp / np;
      cd += dev[i];
      cp += prod[i];
      double right = cd / nd - cp / np;
      total += w * absLinearMean(left, right);
    }
    return total;
  }

  /** Wasserstein-1 divided by max(dev standard deviation, {@link #WASSERSTEIN_MIN_NORM}). */
  public static double normalizedWasserstein(double w1, double devStd) {
    return w1 / Math.max(devStd, WASSERSTEIN_MIN_NORM);
  }

  /** Population standard deviation (divisor n), as numpy.std and Spark's stddev_pop. */
  public static double populationStd(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double mean = Arrays.stream(values).average().orElse(0);
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    return Math.sqrt(ss / values.length);
  }

  /** Mean of |D| over a bin where D goes linearly from a to b. */
  private static double absLinearMean(double a, double b) {
    if (a * b >= 0) {
      return (Math.abs(a) + Math.abs(b)) / 2;
    }
    // D crosses zero inside the bin: two triangles.
    return (a * a + b * b) / (2 * (Math.abs(a) + Math.abs(b)));
  }

  private static double relEntr(double x, double y) {
    return x == 0 ? 0 : x * Math.log(x / y);
  }

  static double[] normalized(double[] counts) {
    double s = 0;
    for (double c : counts) {
      if (c < 0 || Double.isNaN(c)) {
        throw new IllegalArgumentException("counts must be non-negative, got " + c);
      }
      s += c;
    }
    if (s == 0) {
      throw new IllegalArgumentException("cannot compare an empty distribution");
    }
    double[] out = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = counts[i] / s;
    }
    return out;
  }

  static double[] toDoubles(long[] counts) {
    double[] out = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = counts[i];
    }
    return out;
  }

  private static double sum(long[] counts) {
    double s = 0;
    for (long c : counts) {
      s += c;
    }
    return s;
  }

  private static void checkSameLength(double[] a, double[] b) {
    checkSameLength(a.length, b.length);
  }

  private static void checkSameLength(int a, int b) {
    if (a != b || a == 0) {
      throw new IllegalArgumentException("distributions need the same, non-zero number of bins: " + a + " vs " + b);
    }
  }

  /** Distinct sorted values of a sample with their counts. */
  record ValueCounts(double[] values, long[] counts) {
    static ValueCounts of(double[] sample) {
      double[] s = sample.clone();
      Arrays.sort(s);
      int distinct = 0;
      for (int i = 0; i < s.length; i++) {
        if (i == 0 || s[i] != s[i - 1]) {
          distinct++;
        }
      }
      double[] v = new double[distinct];
      long[] c = new long[distinct];
      int k = -1;
      for (int i = 0; i < s.length; i++) {
        if (i == 0 || s[i] != s[i - 1]) {
          v[++k] = s[i];
        }
        c[k]++;
      }
      return new ValueCounts(v, c);
    }
  }
}
