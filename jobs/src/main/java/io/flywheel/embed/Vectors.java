package io.flywheel.embed;

/** Dense float vector arithmetic for embeddings: dot product, L2 norm, normalization, cosine similarity. */
public final class Vectors {
  private Vectors() {}

  /** Dot product; the vectors must have the same length. */
  public static double dot(float[] a, float[] b) {
    requireSameLength(a, b);
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (double) a[i] * b[i];
    }
    return sum;
  }

  /** Euclidean (L2) length. */
  public static double norm(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    return Math.sqrt(sum);
  }

  /** A new vector of unit L2 length pointing the same way; the zero vector is returned as a zero copy. */
  public static float[] normalize(float[] v) {
    double n = norm(v);
    float[] out = new float[v.length];
    if (n == 0) {
      return out;
    }
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] / n);
    }
    return out;
  }

  /** Cosine similarity in [-1, 1]; 0 when either vector is zero (no direction, so no similarity). */
  public static double cosine(float[] a, float[] b) {
    double d = dot(a, b);
    double n = norm(a) * norm(b);
    if (n == 0) {
      return 0;
    }
    // Rounding can push |cos| of (near-)parallel vectors just past 1.
    return Math.max(-1, Math.min(1, d / n));
  }

  private static void requireSameLength(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vector lengths differ: " + a.length + " vs " + b.length);
    }
  }
}
