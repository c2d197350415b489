package io.flywheel.recommend;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Spherical k-means over unit vectors (Dhillon &amp; Modha 2001): similarity is the dot product and
 * every centroid is renormalized to unit length. Seeded k-means++ initialisation (Arthur &amp;
 * Vassilvitskii 2007) with distance {@code 1 - cos}, then Lloyd iterations. Deterministic for a
 * given input order and seed: assignments run in parallel, but each point is independent and the
 * centroid sums are accumulated sequentially in point order.
 */
public final class SphericalKMeans {
  private SphericalKMeans() {}

  /**
   * Unit-length centroids of {@code k} clusters of {@code points} (each a unit vector). Fewer
   * centroids are returned when there are fewer distinct points than {@code k}.
   */
  public static float[][] train(float[][] points, int k, int iterations, long seed) {
    if (points.length == 0 || k <= 0) {
      return new float[0][];
    }
    float[][] centroids = initPlusPlus(points, Math.min(k, points.length), seed);
    int[] assignment = new int[points.length];
    for (int it = 0; it < iterations; it++) {
      float[][] current = centroids;
      int[] next = IntStream.range(0, points.length).parallel().map(i -> nearest(current, points[i])).toArray();
      boolean changed = it == 0 || !Arrays.equals(next, assignment);
      assignment = next;
      centroids = recompute(points, assignment, current);
      if (!changed) {
        break;
      }
    }
    return centroids;
  }

  /** The index of the centroid with the highest dot product with {@code v} (ties: the lowest index). */
  public static int nearest(float[][] centroids, float[] v) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < centroids.length; c++) {
      double s = dot(centroids[c], v);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  /** Dot product with four independent accumulators, so the JIT can overlap the multiply-adds. */
  static double dot(float[] a, float[] b) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int n = a.length;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) {
      s0 += a[i] * b[i];
    }
    return (double) s0 + s1 + s2 + s3;
  }

  private static float[][] initPlusPlus(float[][] points, int k, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] centroids = new float[k][];
    centroids[0] = points[rnd.nextInt(points.length)].clone();
    double[] dist = new double[points.length];
    Arrays.fill(dist, Double.POSITIVE_INFINITY);
    int made = 1;
    for (; made < k; made++) {
      float[] last = centroids[made - 1];
      double total = 0;
      for (int i = 0; i < points.length; i++) {
        double d = 1 - dot(last, points[i]);
        // Float rounding leaves a copy of a centroid about 1e-7 away: that is no distance.
        d = d < 1e-6 ? 0 : d;
        if (d < dist[i]) {
          dist[i] = d;
        }
        total += dist[i];
      }
      if (total <= 0) {
        break;
      }
      double target = rnd.nextDouble() * total;
      int pick = points.length - 1;
      for (int i = 0; i < points.length; i++) {
        target -= dist[i];
        if (target < 0) {
          pick = i;
          break;
        }
      }
      centroids[made] = points[pick].clone();
    }
    return Arrays.copyOf(centroids, made);
  }

  private static float[][] recompute(float[][] points, int[] assignment, float[][] previous) {
    int dim = points[0].length;
    double[][] sums = new double[previous.length][dim];
    for (int i = 0; i < points.length; i++) {
      double[] s = sums[assignment[i]];
      float[] p = points[i];
      for (int d = 0; d < dim; d++) {
        s[d] += p[d];
      }
    }
    float[][] out = new float[previous.length][];
    for (int c = 0; c < previous.length; c++) {
      double norm = 0;
      for (double x : sums[c]) {
        norm += x * x;
      }
      if (norm == 0) {
        // An empty cluster keeps its centroid rather than vanishing.
        out[c] = previous[c];
        continue;
      }
      double inv = 1 / Math.sqrt(norm);
      out[c] = new float[dim];
      for (int d = 0; d < dim; d++) {
        out[c][d] = (float) (sums[c][d] * inv);
      }
    }
    return out;
  }
}
