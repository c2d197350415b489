package io.flywheel.skew;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One categorical feature compared dev vs prod: the category counts of each side (categories past
 * the top {@link #TOP_K} grouped as {@link #OTHER}), Jensen–Shannon distance on the frequencies and
 * L-infinity, the largest gap between the two sides' shares (docs/skew.md#distances).
 */
public record CategoricalDrift(
    String feature,
    long devCount,
    long prodCount,
    long devNulls,
    long prodNulls,
    Map<String, Long> devCounts,
    Map<String, Long> prodCounts,
    Double jensenShannon,
    Double lInfinity,
    String largestGapCategory) {

  /** How many categories are kept before the rest is grouped. */
  public static final int TOP_K = 100;

  /** The group of the categories past the top {@link #TOP_K}; parenthesized so no real value merges into it. */
  public static final String OTHER = "(other)";

  /** Compares two category-count maps (nulls counted out by the caller), grouping past {@code topK}. */
  public static CategoricalDrift compare(
      String feature, Map<String, Long> dev, Map<String, Long> prod, long devNulls, long prodNulls, int topK) {
    Set<String> kept = topCategories(dev, prod, topK);
    return distances(feature, group(dev, kept), group(prod, kept), devNulls, prodNulls);
  }

  /**
   * The {@code topK} categories by dev share + prod share (ties: by name), the rank both sides use.
   * Shares, not counts, so that a larger prod side does not crowd out dev's categories.
   */
  public static Set<String> topCategories(Map<String, Long> dev, Map<String, Long> prod, int topK) {
    double nd = total(dev);
    double np = total(prod);
    Map<String, Double> score = new HashMap<>();
    dev.forEach((k, c) -> score.merge(k, nd == 0 ? 0 : c / nd, Double::sum));
    prod.forEach((k, c) -> score.merge(k, np == 0 ? 0 : c / np, Double::sum));
    List<String> ranked = new ArrayList<>(score.keySet());
    ranked.sort(Comparator.comparing((String k) -> -score.get(k)).thenComparing(k -> k));
    return new HashSet<>(ranked.subList(0, Math.min(topK, ranked.size())));
  }

  /** Distances between two already grouped count maps. */
  public static CategoricalDrift distances(
      String feature, Map<String, Long> dev, Map<String, Long> prod, long devNulls, long prodNulls) {
    long nd = total(dev);
    long np = total(prod);
    if (nd == 0 || np == 0) {
      return new CategoricalDrift(feature, nd, np, devNulls, prodNulls, dev, prod, null, null, null);
    }
    TreeMap<String, Long> all = new TreeMap<>();
    dev.keySet().forEach(k -> all.put(k, 0L));
    prod.keySet().forEach(k -> all.put(k, 0L));
    double[] d = new double[all.size()];
    double[] p = new double[all.size()];
    int i = 0;
    String gapCategory = null;
    double gap = -1;
    for (String k : all.keySet()) {
      d[i] = dev.getOrDefault(k, 0L);
      p[i] = prod.getOrDefault(k, 0L);
      double g = Math.abs(d[i] / nd - p[i] / np);
      if (g > gap) {
        gap = g;
        gapCategory = k;
      }
      i++;
    }
    return new CategoricalDrift(feature, nd, np, devNulls, prodNulls, dev, prod,
        Distances.jensenShannon(d, p), Distances.lInfinity(d, p), gapCategory);
  }

  private static Map<String, Long> group(Map<String, Long> counts, Set<String> kept) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.forEach((k, c) -> out.merge(kept.contains(k) ? k : OTHER, c, Long::sum));
    return out;
  }

  private static long total(Map<String, Long> counts) {
    long s = 0;
    for (long c : counts.values()) {
      s += c;
    }
    return s;
  }
}
