package io.flywheel.skew;

import io.flywheel.udfs.TextNormalizer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How far repeated answers to one request agree (docs/skew.md#nondeterminism): the number of
 * distinct answers, and the mean word-set Jaccard similarity over every pair of answers.
 */
public final class OutputAgreement {
  private OutputAgreement() {}

  /**
   * @param answers the answers that came back (failed calls have none)
   * @param distinct distinct answers, compared as exact strings
   * @param meanPairwiseSimilarity mean {@link #similarity} over the answer pairs; NULL with fewer than two answers
   */
  public record Stats(int answers, int distinct, Double meanPairwiseSimilarity) {}

  /** The agreement of {@code answers} (nulls are calls without an answer and are left out). */
  public static Stats of(List<String> answers) {
    List<String> present = answers.stream().filter(a -> a != null).toList();
    int n = present.size();
    if (n < 2) {
      return new Stats(n, n, null);
    }
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        sum += similarity(present.get(i), present.get(j));
        pairs++;
      }
    }
    return new Stats(n, new HashSet<>(present).size(), sum / pairs);
  }

  /**
   * Jaccard similarity of the two texts' sets of lower-cased words ({@link TextNormalizer#words}):
   * |A ∩ B| / |A ∪ B|, 1 when both have no word. Blind to word order and repetition, on purpose: it
   * measures whether the answers say the same things, not whether they are byte-identical (the
   * distinct count says that).
   */
  public static double similarity(String a, String b) {
    Set<String> wa = wordSet(a);
    Set<String> wb = wordSet(b);
    if (wa.isEmpty() && wb.isEmpty()) {
      return 1.0;
    }
    Set<String> union = new HashSet<>(wa);
    union.addAll(wb);
    wa.retainAll(wb);
    return (double) wa.size() / union.size();
  }

  private static Set<String> wordSet(String text) {
    Set<String> out = new HashSet<>();
    for (String w : TextNormalizer.words(text)) {
      out.add(w.toLowerCase(Locale.ROOT));
    }
    return out;
  }
}
