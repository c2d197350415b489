package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.embed.Vectors;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Retrieval of the recommendations job: exact search, and the k-means inverted file against it. */
class CatalogIndexTest {
  private static final int DIM = 32;

  /** {@code n} unit vectors around {@code topics} random directions, like item embeddings by category. */
  static float[][] clustered(int n, int topics, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[topics][];
    for (int t = 0; t < topics; t++) {
      centres[t] = gaussian(r, 1.0);
    }
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      float[] c = centres[r.nextInt(topics)];
      float[] noise = gaussian(r, 1.5);
      float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = c[d] + noise[d];
      }
      out[i] = Vectors.normalize(v);
    }
    return out;
  }

  private static float[] gaussian(Random r, double scale) {
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = (float) (r.nextGaussian() * scale / Math.sqrt(DIM));
    }
    return v;
  }

  private static CatalogIndex index(float[][] vectors, int cells, int probe) {
    String[] ids = new String[vectors.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = String.format("i%05d", i);
    }
    return new CatalogIndex(ids, ids, ids, vectors, 0.85).withCells(cells, probe);
  }

  @Test
  void exactSearchReturnsTheHighestDotProductsBestFirstWithoutExcludedItems() {
    float[][] v = {Vectors.normalize(new float[] {1, 0}), Vectors.normalize(new float[] {1, 1}),
        Vectors.normalize(new float[] {0, 1}), Vectors.normalize(new float[] {-1, 0})};
    CatalogIndex idx = index(v, 1, 1);
    assertThat(idx.cells()).isEqualTo(1);
    assertThat(idx.nearest(new float[] {1, 0}, 3, Set.of())).containsExactly(0, 1, 2);
    assertThat(idx.nearest(new float[] {1, 0}, 2, Set.of(0))).containsExactly(1, 2);
    assertThat(idx.nearest(new float[] {1, 0}, 10, Set.of())).hasSize(4).endsWith(3);
  }

  @Test
  void automaticCellsAreExactForSmallCatalogsAndTheSquareRootForLargeOnes() {
    assertThat(index(clustered(500, 5, 1), 0, 8).cells()).isEqualTo(1);
    assertThat(index(clustered(CatalogIndex.EXACT_BELOW, 40, 2), 0, 8).cells())
        .isEqualTo((int) Math.round(Math.sqrt(CatalogIndex.EXACT_BELOW)));
  }

  @Test
  void invertedFileFindsMostOfTheExactNeighboursAndMoreAsItProbesMoreCells() {
    float[][] v = clustered(6000, 30, 3);
    float[][] queries = clustered(200, 30, 3);
    double r4 = recallAt20(index(v, 64, 4), queries);
    double r8 = recallAt20(index(v, 64, 8), queries);
    double r16 = recallAt20(index(v, 64, 16), queries);
    // Overlapping topics, 64 cells: measured recall@20 0.77 / 0.87 / 0.95 probing 4 / 8 / 16 cells.
    assertThat(r8).isGreaterThan(0.8);
    assertThat(r4).isLessThan(r8);
    assertThat(r8).isLessThan(r16);
  }

  private static double recallAt20(CatalogIndex ivf, float[][] queries) {
    long found = 0;
    long wanted = 0;
    for (float[] q : queries) {
      List<Integer> exact = ivf.exactNearest(q, 20, Set.of());
      Set<Integer> approx = new HashSet<>(ivf.nearest(q, 20, Set.of()));
      wanted += exact.size();
      found += exact.stream().filter(approx::contains).count();
    }
    return (double) found / wanted;
  }

  @Test
  void invertedFileWithEveryCellProbedIsExact() {
    float[][] v = clustered(800, 8, 4);
    CatalogIndex all = index(v, 16, 16);
    CatalogIndex exact = index(v, 1, 1);
    float[] q = clustered(1, 8, 5)[0];
    assertThat(all.nearest(q, 25, Set.of(3, 4))).isEqualTo(exact.nearest(q, 25, Set.of(3, 4)));
  }

  @Test
  void cellsAreDeterministic() {
    float[][] v = clustered(3000, 12, 6);
    float[] q = clustered(1, 12, 7)[0];
    assertThat(index(v, 40, 3).nearest(q, 30, Set.of())).isEqualTo(index(v, 40, 3).nearest(q, 30, Set.of()));
  }

  @Test
  void searchWidensPastTheProbedCellsWhenTheyHoldTooFewItems() {
    float[][] v = clustered(400, 4, 8);
    CatalogIndex ivf = index(v, 40, 1);
    float[] q = clustered(1, 4, 9)[0];
    assertThat(ivf.nearest(q, 120, Set.of())).hasSize(120);
    assertThat(ivf.scanned(q, 120, Set.of())).isBetween(120, 399);
    assertThat(index(v, 1, 1).scanned(q, 120, Set.of())).isEqualTo(400);
  }

  @Test
  void kMeansSeparatesWellApartGroups() {
    float[][] points = new float[60][];
    for (int i = 0; i < 60; i++) {
      float[] p = new float[3];
      p[i % 3] = 1;
      p[(i % 3 + 1) % 3] = 0.05f * (i % 7);
      points[i] = Vectors.normalize(p);
    }
    float[][] c = SphericalKMeans.train(points, 3, 10, 1);
    assertThat(c).hasNumberOfRows(3);
    Set<Integer> clusters = new HashSet<>();
    for (int g = 0; g < 3; g++) {
      int first = SphericalKMeans.nearest(c, points[g]);
      for (int i = g; i < 60; i += 3) {
        assertThat(SphericalKMeans.nearest(c, points[i])).isEqualTo(first);
      }
      clusters.add(first);
      assertThat(Vectors.norm(c[first])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }
    assertThat(clusters).hasSize(3);
  }

  @Test
  void kMeansReturnsNoMoreCentroidsThanDistinctPoints() {
    float[][] same = {Vectors.normalize(new float[] {1, 2}), Vectors.normalize(new float[] {1, 2})};
    assertThat(SphericalKMeans.train(same, 5, 5, 1)).hasNumberOfRows(1);
  }

  @Test
  void roundRobinTakesEachListInTurnWithoutRepeats() {
    assertThat(RecommendCalls.roundRobin(List.of(List.of(1, 2, 3), List.of(2, 4, 5), List.of(6)), 5))
        .containsExactly(1, 2, 6, 4, 3);
    assertThat(RecommendCalls.roundRobin(List.of(List.of(1), List.of(1)), 5)).containsExactly(1);
  }
}
