package io.flywheel.embed;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A JVM-wide map from text to its embedding, so that the same text is embedded once per JVM. The
 * recommendations job puts the catalog's vectors here (keyed by the text the local provider sees),
 * and the local provider looks them up before embedding anything itself.
 */
public final class EmbeddingMemo {
  private static final Map<String, float[]> MEMO = new ConcurrentHashMap<>();

  private EmbeddingMemo() {}

  public static void put(String text, float[] vector) {
    MEMO.putIfAbsent(text, vector);
  }

  /** The embedding of each text, from the memo or the model (misses are embedded in one batch). */
  public static float[][] embedAll(List<String> texts) {
    float[][] out = new float[texts.size()][];
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      out[i] = MEMO.get(texts.get(i));
      if (out[i] == null) {
        missing.add(texts.get(i));
      }
    }
    if (!missing.isEmpty()) {
      List<float[]> vs = TextEmbedder.embedAll(missing);
      for (int i = 0; i < missing.size(); i++) {
        MEMO.putIfAbsent(missing.get(i), vs.get(i));
      }
      for (int i = 0; i < texts.size(); i++) {
        if (out[i] == null) {
          out[i] = MEMO.get(texts.get(i));
        }
      }
    }
    return out;
  }

  /** The key the local provider uses for an item: its title and category. */
  public static String itemKey(String title, String category) {
    return title + " | " + category;
  }
}
