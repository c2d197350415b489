package io.flywheel.skew;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Drift ratio on shares, the coverage-gap rule and the sampling error, against hand-worked values. */
class ClusterDriftTest {
  private static final double EPS = 1e-12;

  @Test
  void driftRatioComparesSharesSoUnequalSideSizesDoNotBiasIt() {
    // 100 of 1,000 dev texts and 1,000 of 10,000 prod texts: both shares 0.1, ratio 0, although
    // the raw counts (100 vs 1,000) would give (1000 - 100) / 1100 = 0.82.
    ClusterDrift d = ClusterDrift.of(100, 1000, 1000, 10_000, 0.02, 0.9);
    assertThat(d.devShare()).isCloseTo(0.1, within(EPS));
    assertThat(d.prodShare()).isCloseTo(0.1, within(EPS));
    assertThat(d.driftRatio()).isCloseTo(0.0, within(EPS));
    assertThat(d.coverageGap()).isFalse();
  }

  @Test
  void driftRatioHandWorked() {
    // dev 0.02, prod 0.10: (0.10 - 0.02) / 0.12 = 2/3; only dev: -1; only prod: +1; neither: null.
    assertThat(ClusterDrift.driftRatio(0.02, 0.10)).isCloseTo(2.0 / 3, within(EPS));
    assertThat(ClusterDrift.driftRatio(0.3, 0.0)).isEqualTo(-1.0);
    assertThat(ClusterDrift.driftRatio(0.0, 0.05)).isEqualTo(1.0);
    assertThat(ClusterDrift.driftRatio(0.0, 0.0)).isNull();
  }

  @Test
  void coverageGapNeedsBothAProdShareAndADriftRatioAtTheirMinimums() {
    // 0 of 1,000 dev, 30 of 1,500 prod: prod share 0.02 (exactly the minimum), ratio 1 -> gap.
    assertThat(ClusterDrift.of(0, 30, 1000, 1500, 0.02, 0.9).coverageGap()).isTrue();
    // 29 of 1,500 = 0.0193 < 0.02: too small a cluster to report, although prod only.
    assertThat(ClusterDrift.of(0, 29, 1000, 1500, 0.02, 0.9).coverageGap()).isFalse();
    // dev 5/1000 = 0.005, prod 150/1500 = 0.1: ratio 0.095 / 0.105 = 0.905 >= 0.9 -> gap.
    ClusterDrift almost = ClusterDrift.of(5, 150, 1000, 1500, 0.02, 0.9);
    assertThat(almost.driftRatio()).isCloseTo(0.095 / 0.105, within(EPS));
    assertThat(almost.coverageGap()).isTrue();
    // dev 6/1000 = 0.006: ratio 0.094 / 0.106 = 0.887 < 0.9 -> not a gap.
    assertThat(ClusterDrift.of(6, 150, 1000, 1500, 0.02, 0.9).coverageGap()).isFalse();
    assertThat(ClusterDrift.isCoverageGap(0.5, null, 0.02, 0.9)).isFalse();
  }

  @Test
  void shareStandardErrorIsBinomial() {
    // sqrt(0.1 * 0.9 / 1000) = sqrt(0.00009) = 0.0094868...; p = 0 or 1: no spread.
    assertThat(ClusterDrift.shareStandardError(0.1, 1000)).isCloseTo(Math.sqrt(0.00009), within(EPS));
    assertThat(ClusterDrift.shareStandardError(0.5, 10_000)).isCloseTo(0.005, within(EPS));
    assertThat(ClusterDrift.shareStandardError(0.0, 50)).isZero();
    assertThatThrownBy(() -> ClusterDrift.shareStandardError(0.1, 0)).hasMessageContaining("sample size");
  }

  @Test
  void countsThatDoNotFitTheTotalsAreRefused() {
    assertThatThrownBy(() -> ClusterDrift.of(11, 0, 10, 10, 0.02, 0.9)).hasMessageContaining("do not fit");
    assertThatThrownBy(() -> ClusterDrift.of(0, 0, 0, 10, 0.02, 0.9)).hasMessageContaining("both sides");
  }

  @Test
  void settingsRejectBadValuesNamingTheKey() {
    assertThatThrownBy(() -> new SkewClusters.Settings("dbscan", 0, 4, 16, 1, 0.02, 0.9))
        .hasMessageContaining("skew.clusters.algorithm");
    assertThatThrownBy(() -> new SkewClusters.Settings("kmeans", 1, 4, 16, 1, 0.02, 0.9))
        .hasMessageContaining("skew.clusters.k ");
    assertThatThrownBy(() -> new SkewClusters.Settings("kmeans", 0, 8, 4, 1, 0.02, 0.9))
        .hasMessageContaining("k_min/k_max");
  }
}
