package io.flywheel.recommend;

import io.flywheel.embed.Vectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Maximal Marginal Relevance re-ranking (Carbonell and Goldstein 1998): picks k candidates one at a time,
 * each maximizing {@code lambda * relevance - (1 - lambda) * max cosine to everything selected so far};
 * see docs/recommend.md.
 */
public final class Mmr {
  private Mmr() {}

  /** An item that may be recommended: its relevance (higher is better) and its embedding. */
  public record Candidate(String itemId, double relevance, float[] embedding) {}

  /**
   * The top {@code k} candidates in MMR order. {@code alreadySelected} counts as selected before the
   * first pick (e.g. the user's recent suggestions), so candidates close to it are pushed down; it is
   * never returned. Ties go to the candidate listed first, so the result is deterministic.
   *
   * @param lambda 1 ranks by relevance only, 0 by novelty against the selection only
   */
  public static List<Candidate> rerank(List<Candidate> candidates, List<float[]> alreadySelected, double lambda, int k) {
    if (!(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in [0, 1], was " + lambda);
    }
    if (k < 0) {
      throw new IllegalArgumentException("k must not be negative, was " + k);
    }
    int n = candidates.size();
    // maxSim[i]: highest cosine of candidate i to anything selected so far, updated after each pick.
    double[] maxSim = new double[n];
    boolean[] taken = new boolean[n];
    boolean anySelected = !alreadySelected.isEmpty();
    for (int i = 0; i < n; i++) {
      maxSim[i] = Double.NEGATIVE_INFINITY;
      for (float[] s : alreadySelected) {
        maxSim[i] = Math.max(maxSim[i], Vectors.cosine(candidates.get(i).embedding(), s));
      }
    }
    List<Candidate> out = new ArrayList<>(Math.min(k, n));
    while (out.size() < Math.min(k, n)) {
      int best = -1;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (taken[i]) {
          continue;
        }
        // With nothing selected the redundancy term is 0: the first pick is the most relevant.
        double redundancy = anySelected ? maxSim[i] : 0;
        double score = lambda * candidates.get(i).relevance() - (1 - lambda) * redundancy;
        if (best < 0 || score > bestScore) {
          best = i;
          bestScore = score;
        }
      }
      taken[best] = true;
      Candidate picked = candidates.get(best);
      out.add(picked);
      anySelected = true;
      for (int i = 0; i < n; i++) {
        if (!taken[i]) {
          maxSim[i] = Math.max(maxSim[i], Vectors.cosine(candidates.get(i).embedding(), picked.embedding()));
        }
      }
    }
    return out;
  }

  /**
   * The items in their given order, keeping at most {@code cap} of each category: the first ones met
   * win. A blank (unknown) category is never capped; {@code cap <= 0} keeps everything
   * ({@code recommend.max_per_category}, docs/recommend.md#category-cap).
   */
  public static <T> List<T> limitPerCategory(List<T> items, Function<T, String> categoryOf, int cap) {
    if (cap <= 0) {
      return items;
    }
    Map<String, Integer> taken = new HashMap<>();
    List<T> out = new ArrayList<>(items.size());
    for (T item : items) {
      String c = categoryOf.apply(item);
      if (c == null || c.isBlank() || taken.merge(c, 1, Integer::sum) <= cap) {
        out.add(item);
      }
    }
    return out;
  }
}
