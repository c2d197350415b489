package io.flywheel.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class VectorsTest {
  @Test
  void dotMultipliesAndSums() {
    assertThat(Vectors.dot(new float[] {1, 2, 3}, new float[] {4, -5, 6})).isEqualTo(12.0);
  }

  @Test
  void normalizeGivesUnitLengthInTheSameDirection() {
    float[] v = Vectors.normalize(new float[] {3, 4});
    assertThat(v[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(v[1]).isCloseTo(0.8f, within(1e-6f));
    assertThat(Vectors.norm(v)).isCloseTo(1.0, within(1e-6));
  }

  @Test
  void normalizeLeavesTheInputUntouchedAndTheZeroVectorZero() {
    float[] in = {3, 4};
    Vectors.normalize(in);
    assertThat(in).containsExactly(3, 4);
    assertThat(Vectors.normalize(new float[] {0, 0})).containsExactly(0, 0);
  }

  @Test
  void cosineIgnoresLengthAndMeasuresAngle() {
    assertThat(Vectors.cosine(new float[] {1, 0}, new float[] {5, 0})).isCloseTo(1.0, within(1e-9));
    assertThat(Vectors.cosine(new float[] {1, 0}, new float[] {0, 2})).isCloseTo(0.0, within(1e-9));
    assertThat(Vectors.cosine(new float[] {1, 0}, new float[] {-1, 0})).isCloseTo(-1.0, within(1e-9));
    assertThat(Vectors.cosine(new float[] {1, 1}, new float[] {1, 0})).isCloseTo(Math.sqrt(0.5), within(1e-7));
  }

  @Test
  void cosineWithTheZeroVectorIsZero() {
    assertThat(Vectors.cosine(new float[] {0, 0}, new float[] {1, 0})).isEqualTo(0.0);
  }

  @Test
  void vectorsOfDifferentLengthsAreRejected() {
    assertThatThrownBy(() -> Vectors.dot(new float[] {1}, new float[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 vs 2");
  }
}
