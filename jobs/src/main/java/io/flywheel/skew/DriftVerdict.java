package io.flywheel.skew;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What one feature's distances mean for a run: which distances are over the feature's threshold
 * (a breach), whether every distance can be trusted (the near-constant rule), and whether to alert
 * (a breach, or a distance far from its own recent history). The rules are in docs/skew.md#verdicts.
 *
 * @param breachedBy the counted distances over the threshold, in the order given
 * @param reliable false when a distance was left out (near-constant dev side) or none could be computed
 * @param alertReason why it alerts, one clause per distance; null when it does not
 */
public record DriftVerdict(boolean breached, List<String> breachedBy, boolean reliable, boolean alert, String alertReason) {
  /** Past values a distance needs before the history rule applies to it. */
  public static final int MIN_HISTORY = 3;

  /**
   * The history rule's standard deviation is at least this, so that a distance that was exactly
   * constant (often 0) does not alert on a change far below anything that matters.
   */
  public static final double MIN_SIGMA = 0.001;

  /**
   * Judges one feature.
   *
   * @param distances distance name to value (null: not computed), in report order
   * @param unreliable distances that are stored but count for nothing (e.g. {@code wasserstein_norm}
   *     of a near-constant feature)
   * @param history distance name to its past values, most recent first (earlier run dates only)
   * @param historyRuns how many of the past values the history rule looks at
   */
  public static DriftVerdict judge(Map<String, Double> distances, Set<String> unreliable, double threshold,
      Map<String, List<Double>> history, int historyRuns, double sigmas) {
    List<String> breachedBy = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    boolean any = false;
    for (Map.Entry<String, Double> d : distances.entrySet()) {
      Double v = d.getValue();
      if (v == null || v.isNaN() || unreliable.contains(d.getKey())) {
        continue;
      }
      any = true;
      if (v > threshold) {
        breachedBy.add(d.getKey());
        reasons.add(String.format(Locale.ROOT, "%s %.3f > threshold %.3f", d.getKey(), v, threshold));
      }
      String past = historyReason(d.getKey(), v, history.getOrDefault(d.getKey(), List.of()), historyRuns, sigmas);
      if (past != null) {
        reasons.add(past);
      }
    }
    boolean reliable = any && unreliable.stream().noneMatch(u -> distances.get(u) != null);
    return new DriftVerdict(!breachedBy.isEmpty(), List.copyOf(breachedBy), reliable, !reasons.isEmpty(),
        reasons.isEmpty() ? null : String.join("; ", reasons));
  }

  /** A feature without any distance (a side has no value of it): never a breach, never an alert. */
  public static DriftVerdict noValues() {
    return new DriftVerdict(false, List.of(), false, false, null);
  }

  /**
   * The near-constant rule: normalized Wasserstein-1 divides by the dev standard deviation, which
   * turns sampling noise into large values when dev barely varies; below {@code minDevStd} it is not
   * trusted.
   */
  public static boolean wassersteinReliable(Double devStd, double minDevStd) {
    return devStd != null && devStd >= minDevStd;
  }

  /**
   * The history rule for one distance: an alert clause when {@code value} is more than {@code sigmas}
   * sample standard deviations from the mean of its last {@code historyRuns} values (at least
   * {@link #MIN_HISTORY} of them); null otherwise.
   */
  static String historyReason(String name, double value, List<Double> past, int historyRuns, double sigmas) {
    List<Double> window = past.stream().filter(p -> p != null && !p.isNaN()).limit(historyRuns).toList();
    if (window.size() < MIN_HISTORY) {
      return null;
    }
    double mean = window.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double ss = 0;
    for (double p : window) {
      ss += (p - mean) * (p - mean);
    }
    double sd = Math.sqrt(ss / (window.size() - 1));
    double sigma = Math.max(sd, MIN_SIGMA);
    double z = Math.abs(value - mean) / sigma;
    if (z <= sigmas) {
      return null;
    }
    return String.format(Locale.ROOT, "%s %.3f is %.1f sd from its last %d runs (mean %.3f, sd %.3f)",
        name, value, z, window.size(), mean, sd);
  }
}
