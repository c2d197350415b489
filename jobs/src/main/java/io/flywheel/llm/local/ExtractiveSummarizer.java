package io.flywheel.llm.local;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Extractive baseline summarizer: scores each sentence of an item by TF-IDF cosine similarity to the
 * item's centroid (its "centrality") and keeps the most central sentences, in their original order,
 * within a character budget. It copies text; it does not write new text, and it is not an LLM.
 */
public final class ExtractiveSummarizer {
  private static final Set<String> STOP =
      Set.of(
          "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "for", "with", "at", "by",
          "from", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these",
          "those", "as", "if", "so", "not", "no", "very", "i", "you", "we", "they", "he", "she",
          "my", "your", "our", "their", "me", "us", "them", "has", "have", "had", "do", "does",
          "did", "can", "will", "would", "should", "just", "also", "than", "then", "there", "here",
          "all", "any", "some", "more", "most", "much", "many", "one", "two", "get", "got");

  private ExtractiveSummarizer() {}

  /** A summary and its key features. */
  public record Summary(String summary, List<String> keyFeatures) {}

  /**
   * Summarizes an item.
   *
   * @param primary the main text (e.g. the description), preferred for sentences
   * @param secondary supporting text (e.g. reviews), used when the main text is short
   * @param fixedFeatures features stated by the item's fields (brand, category), listed first
   * @param maxChars the longest summary allowed
   * @param maxFeatures the most key features returned
   */
  public static Summary summarize(
      String primary, String secondary, List<String> fixedFeatures, int maxChars, int maxFeatures) {
    List<String> sentences = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (String s : sentences(primary)) {
      sentences.add(s);
      weights.add(1.2);
    }
    for (String s : sentences(secondary)) {
      sentences.add(s);
      weights.add(1.0);
    }
    List<Map<String, Integer>> tfs = new ArrayList<>();
    Map<String, Integer> df = new HashMap<>();
    for (String s : sentences) {
      Map<String, Integer> tf = termFrequencies(s);
      tfs.add(tf);
      for (String term : tf.keySet()) {
        df.merge(term, 1, Integer::sum);
      }
    }
    int n = sentences.size();
    Map<String, Double> centroid = new HashMap<>();
    List<Map<String, Double>> vectors = new ArrayList<>();
    for (Map<String, Integer> tf : tfs) {
      Map<String, Double> v = new HashMap<>();
      for (Map.Entry<String, Integer> e : tf.entrySet()) {
        double w = e.getValue() * Math.log(1.0 + (double) n / df.get(e.getKey()));
        v.put(e.getKey(), w);
        centroid.merge(e.getKey(), w, Double::sum);
      }
      vectors.add(v);
    }
    Integer[] order = new Integer[n];
    double[] score = new double[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
      // Earlier sentences of a description usually state what the item is.
      double position = i < 2 ? 0.05 * (2 - i) : 0.0;
      score[i] = weights.get(i) * cosine(vectors.get(i), centroid) + position;
    }
    java.util.Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -score[i]).thenComparingInt(i -> i));
    boolean[] chosen = new boolean[n];
    int used = 0;
    // Reviews often repeat one another word for word: a sentence is taken once.
    java.util.Set<String> taken = new java.util.HashSet<>();
    for (Integer i : order) {
      int len = sentences.get(i).length() + (used == 0 ? 0 : 1);
      if (used + len <= maxChars && taken.add(sentences.get(i).toLowerCase(Locale.ROOT))) {
        chosen[i] = true;
        used += len;
      }
    }
    StringBuilder summary = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (chosen[i]) {
        if (summary.length() > 0) {
          summary.append(' ');
        }
        summary.append(sentences.get(i));
      }
    }
    return new Summary(summary.toString(), keyFeatures(fixedFeatures, centroid, maxFeatures));
  }

  private static List<String> keyFeatures(List<String> fixed, Map<String, Double> centroid, int max) {
    LinkedHashSet<String> features = new LinkedHashSet<>();
    for (String f : fixed) {
      if (f != null && !f.isBlank() && features.size() < max) {
        features.add(f.strip());
      }
    }
    centroid.entrySet().stream()
        .filter(e -> e.getKey().length() > 3 && !e.getKey().chars().allMatch(Character::isDigit))
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey)
        .forEach(
            term -> {
              if (features.size() < max && features.stream().noneMatch(f -> f.equalsIgnoreCase(term))) {
                features.add(term);
              }
            });
    return new ArrayList<>(features);
  }

  /** Splits text into sentences at ., ! or ? followed by white space, and at line breaks. */
  static List<String> sentences(String text) {
    List<String> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String line : text.split("\\R+")) {
      for (String s : line.split("(?<=[.!?])\\s+")) {
        String t = s.strip();
        if (t.length() >= 3) {
          out.add(t);
        }
      }
    }
    return out;
  }

  private static Map<String, Integer> termFrequencies(String sentence) {
    Map<String, Integer> tf = new HashMap<>();
    for (String token : sentence.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (token.length() >= 2 && !STOP.contains(token)) {
        tf.merge(token, 1, Integer::sum);
      }
    }
    return tf;
  }

  private static double cosine(Map<String, Double> a, Map<String, Double> b) {
    double dot = 0;
    for (Map.Entry<String, Double> e : a.entrySet()) {
      Double w = b.get(e.getKey());
      if (w != null) {
        dot += e.getValue() * w;
      }
    }
    double na = norm(a);
    double nb = norm(b);
    return na == 0 || nb == 0 ? 0 : dot / (na * nb);
  }

  private static double norm(Map<String, Double> v) {
    double s = 0;
    for (double w : v.values()) {
      s += w * w;
    }
    return Math.sqrt(s);
  }
}
