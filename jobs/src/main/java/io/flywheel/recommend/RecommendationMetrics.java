package io.flywheel.recommend;

import io.flywheel.embed.Vectors;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Quality metrics of a recommendation run: coverage, entropy, novelty, diversity and error rates.
 * Formulas, denominators and sources are in docs/recommend.md; this class follows that page exactly.
 *
 * <p>Lists are item ids keyed by user id, after catalog matching (hallucinations already removed),
 * except for {@link #hallucinationRate}. A metric whose denominator is zero returns NaN, never 0, so
 * "no data" cannot pass for a real value.
 */
public final class RecommendationMetrics {
  private static final double LN2 = Math.log(2);

  private RecommendationMetrics() {}

  /** Distinct recommended catalog items / catalog items. Ids outside the catalog do not count. */
  public static double catalogCoverage(Map<String, List<String>> listsByUser, Set<String> catalogIds) {
    Set<String> recommended = new HashSet<>();
    for (List<String> list : listsByUser.values()) {
      for (String item : list) {
        if (catalogIds.contains(item)) {
          recommended.add(item);
        }
      }
    }
    return ratio(recommended.size(), catalogIds.size());
  }

  /**
   * Shannon entropy, in bits, of how often each item is recommended: -sum p(i) log2 p(i), with p(i) =
   * times item i appears in any list / total list slots. 0 when every slot is one item.
   */
  public static double distributionalCoverage(Map<String, List<String>> listsByUser) {
    Map<String, Long> counts = new HashMap<>();
    long total = 0;
    for (List<String> list : listsByUser.values()) {
      for (String item : list) {
        counts.merge(item, 1L, Long::sum);
        total++;
      }
    }
    if (total == 0) {
      return Double.NaN;
    }
    double h = 0;
    for (long c : counts.values()) {
      double p = (double) c / total;
      h -= p * log2(p);
    }
    return h;
  }

  /**
   * Add-one smoothed purchase share: (purchases(i) + 1) / (total purchases + catalog size); an item
   * never purchased gets 1 / (total + catalog size) instead of 0, so its novelty stays finite.
   */
  public static double popularity(String itemId, Map<String, Long> purchasesByItem, long totalPurchases, int catalogSize) {
    if (catalogSize < 1) {
      throw new IllegalArgumentException("catalogSize must be at least 1, was " + catalogSize);
    }
    return (purchasesByItem.getOrDefault(itemId, 0L) + 1.0) / (totalPurchases + catalogSize);
  }

  /** Mean over all recommended slots of -log2 popularity(item) (see {@link #popularity}). */
  public static double novelty(Map<String, List<String>> listsByUser, Map<String, Long> purchasesByItem, int catalogSize) {
    long totalPurchases = totalPurchases(purchasesByItem);
    double sum = 0;
    long slots = 0;
    for (List<String> list : listsByUser.values()) {
      for (String item : list) {
        sum -= log2(popularity(item, purchasesByItem, totalPurchases, catalogSize));
        slots++;
      }
    }
    return slots == 0 ? Double.NaN : sum / slots;
  }

  /**
   * Novelty as Microsoft Recommenders defines it ({@code python_evaluation.novelty}): mean over all
   * slots of -log2(purchases(i) / total purchases), unsmoothed; a slot whose item was never purchased
   * adds 0 to the sum but still counts in the denominator (their inner merge drops it).
   */
  public static double noveltyUnsmoothed(Map<String, List<String>> listsByUser, Map<String, Long> purchasesByItem) {
    long totalPurchases = totalPurchases(purchasesByItem);
    double sum = 0;
    long slots = 0;
    for (List<String> list : listsByUser.values()) {
      for (String item : list) {
        long n = purchasesByItem.getOrDefault(item, 0L);
        if (n > 0) {
          sum -= log2((double) n / totalPurchases);
        }
        slots++;
      }
    }
    return slots == 0 ? Double.NaN : sum / slots;
  }

  /**
   * Mean over non-empty lists of the number of distinct categories in the list; a blank category is
   * unknown and counts as none.
   */
  public static double categoriesPerList(Map<String, List<String>> listsByUser, Map<String, String> categoryByItem) {
    double sum = 0;
    int lists = 0;
    for (List<String> list : listsByUser.values()) {
      if (list.isEmpty()) {
        continue;
      }
      sum += categoryCounts(list, categoryByItem).size();
      lists++;
    }
    return ratio(sum, lists);
  }

  /**
   * Non-empty lists in which one (non-blank) category holds more than half of the slots / non-empty
   * lists. With k = 10: 6 or more items of one category.
   */
  public static double categoryDominatedRate(Map<String, List<String>> listsByUser, Map<String, String> categoryByItem) {
    long dominated = 0;
    int lists = 0;
    for (List<String> list : listsByUser.values()) {
      if (list.isEmpty()) {
        continue;
      }
      long top = 0;
      for (long n : categoryCounts(list, categoryByItem).values()) {
        top = Math.max(top, n);
      }
      if (2 * top > list.size()) {
        dominated++;
      }
      lists++;
    }
    return ratio(dominated, lists);
  }

  private static Map<String, Long> categoryCounts(List<String> list, Map<String, String> categoryByItem) {
    Map<String, Long> counts = new HashMap<>();
    for (String item : list) {
      if (!categoryByItem.containsKey(item)) {
        throw new IllegalArgumentException("no category for item " + item);
      }
      String c = categoryByItem.get(item);
      if (c != null && !c.isBlank()) {
        counts.merge(c, 1L, Long::sum);
      }
    }
    return counts;
  }

  /**
   * Mean over lists with at least two items of (1 - mean cosine similarity over the list's unordered
   * pairs of positions). A repeated item forms a pair of similarity 1 with itself.
   */
  public static double intraListDiversity(Map<String, List<String>> listsByUser, Map<String, float[]> embeddingByItem) {
    double sum = 0;
    int lists = 0;
    for (List<String> list : listsByUser.values()) {
      if (list.size() < 2) {
        continue;
      }
      double similarity = 0;
      int pairs = 0;
      for (int i = 0; i < list.size(); i++) {
        for (int j = i + 1; j < list.size(); j++) {
          similarity += Vectors.cosine(embedding(embeddingByItem, list.get(i)), embedding(embeddingByItem, list.get(j)));
          pairs++;
        }
      }
      sum += 1 - similarity / pairs;
      lists++;
    }
    return ratio(sum, lists);
  }

  /**
   * Mean over users with a current (non-empty) and a previous list of: distinct current items not in the
   * previous list / distinct current items. Users without a previous list (first run) are left out.
   */
  public static double temporalDiversity(Map<String, List<String>> previousByUser, Map<String, List<String>> currentByUser) {
    double sum = 0;
    int users = 0;
    for (Map.Entry<String, List<String>> e : currentByUser.entrySet()) {
      List<String> previous = previousByUser.get(e.getKey());
      Set<String> current = new HashSet<>(e.getValue());
      if (previous == null || current.isEmpty()) {
        continue;
      }
      int total = current.size();
      current.removeAll(new HashSet<>(previous));
      sum += (double) current.size() / total;
      users++;
    }
    return ratio(sum, users);
  }

  /** Suggestions that matched no catalog item / all suggestions, over every user's raw suggestions. */
  public static double hallucinationRate(Map<String, List<CatalogMatcher.Match>> matchesByUser) {
    long hallucinated = 0;
    long total = 0;
    for (List<CatalogMatcher.Match> matches : matchesByUser.values()) {
      for (CatalogMatcher.Match m : matches) {
        if (m.isHallucination()) {
          hallucinated++;
        }
        total++;
      }
    }
    return ratio(hallucinated, total);
  }

  /** Recommended slots whose item is already in that user's history / all recommended slots. */
  public static double historyRepeatRate(Map<String, List<String>> listsByUser, Map<String, Set<String>> historyByUser) {
    long repeats = 0;
    long total = 0;
    for (Map.Entry<String, List<String>> e : listsByUser.entrySet()) {
      Set<String> history = historyByUser.getOrDefault(e.getKey(), Set.of());
      for (String item : e.getValue()) {
        if (history.contains(item)) {
          repeats++;
        }
        total++;
      }
    }
    return ratio(repeats, total);
  }

  /** Slots repeating an item already earlier in the same list / all recommended slots. */
  public static double duplicateRate(Map<String, List<String>> listsByUser) {
    long duplicates = 0;
    long total = 0;
    for (List<String> list : listsByUser.values()) {
      duplicates += list.size() - new HashSet<>(list).size();
      total += list.size();
    }
    return ratio(duplicates, total);
  }

  /** Users who needed more than one generation attempt / users, from each user's attempt count (at least 1). */
  public static double resampleRate(Map<String, Integer> attemptsByUser) {
    long resampled = 0;
    for (Map.Entry<String, Integer> e : attemptsByUser.entrySet()) {
      if (e.getValue() < 1) {
        throw new IllegalArgumentException("user " + e.getKey() + " has " + e.getValue() + " attempts; at least 1 expected");
      }
      if (e.getValue() > 1) {
        resampled++;
      }
    }
    return ratio(resampled, attemptsByUser.size());
  }

  /**
   * Mean over users present in both runs of the Jaccard distance 1 - |A ∩ B| / |A ∪ B| between the item
   * sets produced under two history shuffles; two empty lists are at distance 0.
   */
  public static double orderSensitivity(Map<String, List<String>> underShuffleA, Map<String, List<String>> underShuffleB) {
    double sum = 0;
    int users = 0;
    for (Map.Entry<String, List<String>> e : underShuffleA.entrySet()) {
      List<String> other = underShuffleB.get(e.getKey());
      if (other == null) {
        continue;
      }
      sum += jaccardDistance(e.getValue(), other);
      users++;
    }
    return ratio(sum, users);
  }

  /** 1 - |A ∩ B| / |A ∪ B| over the distinct items of two lists; 0 when both are empty. */
  public static double jaccardDistance(Collection<String> a, Collection<String> b) {
    Set<String> union = new HashSet<>(a);
    union.addAll(b);
    if (union.isEmpty()) {
      return 0;
    }
    Set<String> intersection = new HashSet<>(a);
    intersection.retainAll(new HashSet<>(b));
    return 1 - (double) intersection.size() / union.size();
  }

  private static float[] embedding(Map<String, float[]> embeddingByItem, String item) {
    float[] v = embeddingByItem.get(item);
    if (v == null) {
      throw new IllegalArgumentException("no embedding for item " + item);
    }
    return v;
  }

  private static double ratio(double numerator, double denominator) {
    return denominator == 0 ? Double.NaN : numerator / denominator;
  }

  private static double log2(double x) {
    return Math.log(x) / LN2;
  }

  private static long totalPurchases(Map<String, Long> purchasesByItem) {
    return purchasesByItem.values().stream().mapToLong(Long::longValue).sum();
  }
}
