package io.flywheel.recommend;

import io.flywheel.embed.EmbeddingMemo;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The catalog as the recommendations job sees it on every executor (broadcast once): ids, titles,
 * categories and unit-length embeddings, with nearest-neighbour retrieval and the
 * {@link CatalogMatcher}, built lazily once per JVM.
 *
 * <p>Retrieval is exact (every item scored) when the index has one cell, and otherwise an inverted
 * file (IVF, as in Jégou et al. 2011 and FAISS): items are grouped into cells by spherical k-means,
 * and a query scores only the items of its {@code probeCells} nearest cells (more cells when those
 * hold too few items). See docs/recommend.md#candidate-retrieval.
 */
public final class CatalogIndex implements Serializable {
  /** Catalogs smaller than this are searched exactly when the cell count is automatic. */
  public static final int EXACT_BELOW = 20_000;
  /** Training points per cell for k-means (a deterministic sample of the catalog). */
  static final int SAMPLE_PER_CELL = 48;
  static final int KMEANS_ITERATIONS = 8;
  static final long KMEANS_SEED = 20_261_128L;

  private final String[] ids;
  private final String[] titles;
  private final String[] categories;
  private final float[][] vectors;
  private final double matchThreshold;
  private final float[][] centroids;
  /** Positions grouped by cell: cell c holds {@code members[cellStart[c] .. cellStart[c+1])}. */
  private final int[] cellStart;
  private final int[] members;
  private final int probeCells;
  private transient volatile Map<String, Integer> positions;
  private transient volatile CatalogMatcher matcher;

  /** An exact (single-cell) index. */
  public CatalogIndex(String[] ids, String[] titles, String[] categories, float[][] vectors, double matchThreshold) {
    this(ids, titles, categories, vectors, matchThreshold, new Cells(new float[0][], null, null, 0));
  }

  /** The retrieval cells: their centroids, where each cell's items start in {@code members}, and how many are probed. */
  private record Cells(float[][] centroids, int[] start, int[] members, int probeCells) {}

  private CatalogIndex(String[] ids, String[] titles, String[] categories, float[][] vectors, double matchThreshold,
      Cells cells) {
    this.ids = ids;
    this.titles = titles;
    this.categories = categories;
    this.vectors = vectors;
    this.matchThreshold = matchThreshold;
    this.centroids = cells.centroids();
    this.cellStart = cells.start();
    this.members = cells.members();
    this.probeCells = cells.probeCells();
  }

  /**
   * These items, indexed for retrieval in {@code cells} k-means cells (0: automatic, 1 cell below
   * {@link #EXACT_BELOW} items, else the square root of the item count) and scores the items of the
   * {@code probeCells} nearest cells per query.
   */
  public CatalogIndex withCells(int cells, int probeCells) {
    int n = vectors.length;
    int k = cells > 0 ? cells : n < EXACT_BELOW ? 1 : (int) Math.round(Math.sqrt(n));
    if (k <= 1 || n == 0 || probeCells >= k) {
      return new CatalogIndex(ids, titles, categories, vectors, matchThreshold);
    }
    // A deterministic, evenly spread sample: every step-th item of the (id-ordered) catalog.
    int sampleSize = (int) Math.min(n, (long) k * SAMPLE_PER_CELL);
    float[][] sample = new float[sampleSize][];
    for (int i = 0; i < sampleSize; i++) {
      sample[i] = vectors[(int) ((long) i * n / sampleSize)];
    }
    float[][] centroids = SphericalKMeans.train(sample, k, KMEANS_ITERATIONS, KMEANS_SEED);
    int[] cellOf = IntStream.range(0, n).parallel().map(i -> SphericalKMeans.nearest(centroids, vectors[i])).toArray();
    int[] start = new int[centroids.length + 1];
    for (int c : cellOf) {
      start[c + 1]++;
    }
    for (int c = 0; c < centroids.length; c++) {
      start[c + 1] += start[c];
    }
    int[] fill = Arrays.copyOf(start, centroids.length);
    int[] members = new int[n];
    for (int i = 0; i < n; i++) {
      members[fill[cellOf[i]]++] = i;
    }
    return new CatalogIndex(ids, titles, categories, vectors, matchThreshold, new Cells(centroids, start, members, probeCells));
  }

  /** Number of retrieval cells (1 = exact search). */
  public int cells() {
    return Math.max(1, centroids.length);
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

  /**
   * The {@code n} positions most similar to {@code query} (unit vectors: dot product), best first,
   * ties to the lower position: exact on a one-cell index, otherwise from the nearest cells.
   */
  public List<Integer> nearest(float[] query, int n, Set<Integer> exclude) {
    return search(query, n, exclude, new int[1]);
  }

  /** How many items {@link #nearest} scores for this query (for the benchmark). */
  public int scanned(float[] query, int n, Set<Integer> exclude) {
    int[] scanned = new int[1];
    search(query, n, exclude, scanned);
    return scanned[0];
  }

  private List<Integer> search(float[] query, int n, Set<Integer> exclude, int[] scannedOut) {
    if (centroids.length == 0) {
      scannedOut[0] = vectors.length;
      return exactNearest(query, n, exclude);
    }
    double[] cellScore = new double[centroids.length];
    Integer[] order = new Integer[centroids.length];
    for (int c = 0; c < centroids.length; c++) {
      cellScore[c] = SphericalKMeans.dot(centroids[c], query);
      order[c] = c;
    }
    Arrays.sort(order, (a, b) -> cellScore[a] != cellScore[b] ? Double.compare(cellScore[b], cellScore[a]) : Integer.compare(a, b));
    TopN top = new TopN(n);
    int scanned = 0;
    // At least probeCells cells, and more while they hold too few items to fill the list.
    for (int o = 0; o < order.length && (o < probeCells || scanned < n + exclude.size()); o++) {
      int c = order[o];
      for (int m = cellStart[c]; m < cellStart[c + 1]; m++) {
        int i = members[m];
        scanned++;
        if (!exclude.contains(i)) {
          top.offer(SphericalKMeans.dot(vectors[i], query), i);
        }
      }
    }
    scannedOut[0] = scanned;
    return top.best();
  }

  /** The exact {@code n} nearest positions, scoring every item (the reference for recall). */
  public List<Integer> exactNearest(float[] query, int n, Set<Integer> exclude) {
    TopN top = new TopN(n);
    for (int i = 0; i < vectors.length; i++) {
      if (!exclude.contains(i)) {
        top.offer(SphericalKMeans.dot(vectors[i], query), i);
      }
    }
    return top.best();
  }

  /** The best {@code n} (score, position) pairs seen, ties to the lower position. */
  private static final class TopN {
    private final int n;
    private final PriorityQueue<double[]> heap =
        new PriorityQueue<>((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(b[1], a[1]));

    TopN(int n) {
      this.n = n;
    }

    void offer(double score, int position) {
      if (n <= 0) {
        return;
      }
      if (heap.size() < n) {
        heap.add(new double[] {score, position});
      } else {
        double[] worst = heap.peek();
        if (score > worst[0] || (score == worst[0] && position < worst[1])) {
          heap.poll();
          heap.add(new double[] {score, position});
        }
      }
    }

    List<Integer> best() {
      List<double[]> sorted = new ArrayList<>(heap);
      sorted.sort((a, b) -> a[0] != b[0] ? Double.compare(b[0], a[0]) : Double.compare(a[1], b[1]));
      List<Integer> out = new ArrayList<>(sorted.size());
      for (double[] s : sorted) {
        out.add((int) s[1]);
      }
      return out;
    }
  }
}
