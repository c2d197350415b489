package io.flywheel.eval;

import java.util.Collection;

/**
 * Win, tie and loss rates of A against B over final pairwise verdicts, with 95% confidence intervals
 * (docs/eval.md#pairwise-judge).
 *
 * <p>Each rate has a Wilson score interval (Wilson 1927; the interval statsmodels' {@code
 * proportion_confint(method="wilson")} gives), which stays inside [0, 1] and behaves at small counts
 * and rates near 0 or 1, unlike the normal approximation. The {@code score} is wins + ½ ties over all
 * pairs (the share of comparisons A wins, ties split), with a normal-approximation interval from its
 * sample variance; 0.5 inside the interval means no detectable difference.
 */
public record WinRates(
    long pairs, long wins, long ties, long losses, Interval winRate, Interval tieRate, Interval lossRate, Interval score) {

  /** z for a two-sided 95% interval. */
  static final double Z95 = 1.959963984540054;

  /** A proportion and its 95% interval. */
  public record Interval(double value, double low, double high) {}

  /** The rates of {@code verdicts} (A's point of view). */
  public static WinRates of(Collection<PairwiseVerdict> verdicts) {
    long w = 0;
    long t = 0;
    long l = 0;
    for (PairwiseVerdict v : verdicts) {
      switch (v) {
        case A -> w++;
        case TIE -> t++;
        case B -> l++;
      }
    }
    return of(w, t, l);
  }

  /** The rates of {@code wins}, {@code ties} and {@code losses} of A (counted elsewhere, e.g. by Spark). */
  public static WinRates of(long wins, long ties, long losses) {
    long n = wins + ties + losses;
    return new WinRates(n, wins, ties, losses, wilson(wins, n), wilson(ties, n), wilson(losses, n), score(wins, ties, n));
  }

  /** The Wilson score interval of {@code k} successes in {@code n} trials; NaN values when n = 0. */
  static Interval wilson(long k, long n) {
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN);
    }
    double p = (double) k / n;
    double z2 = Z95 * Z95;
    double denom = 1 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denom;
    double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
    return new Interval(p, Math.max(0, centre - half), Math.min(1, centre + half));
  }

  /** Mean of the per-pair scores (1 win, ½ tie, 0 loss) with a normal interval from their sample variance. */
  static Interval score(long w, long t, long n) {
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN);
    }
    double mean = (w + 0.5 * t) / n;
    if (n == 1) {
      return new Interval(mean, 0, 1);
    }
    double sumSq = w * (1 - mean) * (1 - mean) + t * (0.5 - mean) * (0.5 - mean) + (n - w - t) * mean * mean;
    double se = Math.sqrt(sumSq / (n - 1) / n);
    return new Interval(mean, Math.max(0, mean - Z95 * se), Math.min(1, mean + Z95 * se));
  }
}
