package io.flywheel.recommend;

import io.flywheel.embed.EmbeddingMemo;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The catalog as the recommendations job sees it on every executor (broadcast once): ids, titles,
 * categories and unit-length embeddings, with brute-force nearest-neighbour retrieval and the
 * {@link CatalogMatcher}, both built lazily once per JVM.
 */
public final class CatalogIndex implements Serializable {
  private final String[] ids;
  private final String[] titles;
  private final String[] categories;
  private final float[][] vectors;
  private final double matchThreshold;
  private transient volatile Map<String, Integer> positions;
  private transient volatile CatalogMatcher matcher;

  public CatalogIndex(String[] ids, String[] titles, String[] categories, float[][] vectors, double matchThreshold) {
    this.ids = ids;
    this.titles = titles;
    this.categories = categories;
    this.vectors = vectors;
    this.matchThreshold = matchThreshold;
  }

  public int size() {
    return ids.length;
  }

  public String id(int i) {
    return ids[i];
  }

  public String title(int i) {
    return titles[i];
  }

  public String category(int i) {
    return categories[i];
  }

  public float[] vector(int i) {
    return vectors[i];
  }

  public RecommendPrompt.Item item(int i) {
    return new RecommendPrompt.Item(ids[i], titles[i], categories[i]);
  }

  /** Position of an item id, or -1. */
  public int position(String id) {
    Map<String, Integer> p = positions;
    if (p == null) {
      synchronized (this) {
        if (positions == null) {
          Map<String, Integer> m = new HashMap<>(ids.length * 2);
          for (int i = 0; i < ids.length; i++) {
            m.put(ids[i], i);
            // The local provider looks vectors up by the text it sees in the prompt.
            EmbeddingMemo.put(EmbeddingMemo.itemKey(titles[i], categories[i]), vectors[i]);
          }
          positions = m;
        }
        p = positions;
      }
    }
    Integer i = p.get(id);
    return i == null ? -1 : i;
  }

  public CatalogMatcher matcher() {
    CatalogMatcher m = matcher;
    if (m == null) {
      synchronized (this) {
        if (matcher == null) {
          List<CatalogMatcher.CatalogItem> items = new ArrayList<>(ids.length);
          for (int i = 0; i < ids.length; i++) {
            items.add(new CatalogMatcher.CatalogItem(ids[i], titles[i]));
          }
          matcher = new CatalogMatcher(items, matchThreshold);
        }
        m = matcher;
      }
    }
    return m;
  }

  /** The {@code n} positions most similar to {@code query} (unit vectors: dot product), best first. */
  public List<Integer> nearest(float[] query, int n, Set<Integer> exclude) {
    PriorityQueue<double[]> top = new PriorityQueue<>((a, b) -> Double.compare(a[0], b[0]));
    for (int i = 0; i < vectors.length; i++) {
      if (exclude.contains(i)) {
        continue;
      }
      float[] v = vectors[i];
      double s = 0;
      for (int d = 0; d < v.length; d++) {
        s += v[d] * query[d];
      }
      if (top.size() < n) {
        top.add(new double[] {s, i});
      } else if (s > top.peek()[0]) {
        top.poll();
        top.add(new double[] {s, i});
      }
    }
    List<double[]> sorted = new ArrayList<>(top);
    sorted.sort((a, b) -> a[0] != b[0] ? Double.compare(b[0], a[0]) : Double.compare(a[1], b[1]));
    List<Integer> out = new ArrayList<>();
    for (double[] s : sorted) {
      out.add((int) s[1]);
    }
    return out;
  }
}
