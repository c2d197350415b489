package io.flywheel.skew;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every expected value is worked out by hand in the comment above it (ln = natural log). */
class DistancesTest {
  private static final double EPS = 1e-12;

  @Test
  void sturgesRuleIsCeilLog2PlusOne() {
    // n = 1: 1 bin; 2: ceil(1) + 1; 8: 3 + 1 exactly (no float drift to 5); 9: ceil(3.17) + 1;
    // 1000: ceil(9.97) + 1 = 11 = numpy's ceil(log2(1000) + 1); 10^6: ceil(19.93) + 1.
    assertThat(Distances.sturgesBins(1)).isEqualTo(1);
    assertThat(Distances.sturgesBins(2)).isEqualTo(2);
    assertThat(Distances.sturgesBins(8)).isEqualTo(4);
    assertThat(Distances.sturgesBins(9)).isEqualTo(5);
    assertThat(Distances.sturgesBins(1000)).isEqualTo(11);
    assertThat(Distances.sturgesBins(1_000_000)).isEqualTo(21);
  }

  @Test
  void binsAreEqualWidthWithTheLastOneClosed() {
    // [0, 10] in 5 bins of width 2: 1.999 -> 0, 2 -> 1, 10 -> 5 clamped to 4.
    assertThat(Distances.bin(1.999, 0, 10, 5)).isZero();
    assertThat(Distances.bin(2, 0, 10, 5)).isEqualTo(1);
    assertThat(Distances.bin(10, 0, 10, 5)).isEqualTo(4);
    assertThat(Distances.bin(7, 7, 7, 1)).isZero(); // a constant feature: one bin
  }

  @Test
  void jensenShannonOfDisjointDistributionsIsSqrtLn2() {
    // m = (.5, .5); KL(p||m) = KL(q||m) = 1 * ln(1 / .5) = ln 2; JSD = ln 2; distance = sqrt(ln 2).
    assertThat(Distances.jensenShannon(new double[] {1, 0}, new double[] {0, 1}))
        .isCloseTo(Math.sqrt(Math.log(2)), within(EPS))
        .isCloseTo(0.8325546111576977, within(EPS));
  }

  @Test
  void jensenShannonOfAHandWorkedPair() {
    // p = (.5, .5), q = (.25, .75) (given as counts 2,2 and 1,3), m = (.375, .625).
    // KL(p||m) = .5 ln(.5/.375) + .5 ln(.5/.625) = .5(.2876821) + .5(-.2231436) = .0322693
    // KL(q||m) = .25 ln(.25/.375) + .75 ln(.75/.625) = .25(-.4054651) + .75(.1823216) = .0353749
    // JSD = (.0322693 + .0353749) / 2 = .0338221; distance = sqrt(.0338221) = .1839078
    assertThat(Distances.jensenShannon(new double[] {2, 2}, new double[] {1, 3}))
        .isCloseTo(0.1839077909404743, within(1e-12));
    assertThat(Distances.jensenShannon(new double[] {3, 5}, new double[] {30, 50})).isCloseTo(0, within(1e-7));
  }

  @Test
  void psiFloorsEmptyBinsAt0001() {
    // dev shares (.5, .5, 0 -> .0001), prod shares (.25, .5, .25):
    // (.5 - .25) ln(.5/.25) + 0 + (.0001 - .25) ln(.0001/.25)
    //   = .25 (.6931472) + (-.2499)(-7.8240460) = .1732868 + 1.9552291 = 2.1285159
    assertThat(Distances.psi(new double[] {50, 50, 0}, new double[] {25, 50, 25}))
        .isCloseTo(2.1285158932529735, within(1e-12));
    assertThat(Distances.psi(new double[] {1, 2, 3}, new double[] {2, 4, 6})).isCloseTo(0, within(EPS));
  }

  @Test
  void lInfinityIsTheLargestShareGap() {
    // dev (3, 1, 0) -> (.75, .25, 0); prod (1, 1, 2) -> (.25, .25, .5); gaps .5, 0, .5.
    assertThat(Distances.lInfinity(new double[] {3, 1, 0}, new double[] {1, 1, 2})).isEqualTo(0.5);
  }

  @Test
  void exactWassersteinIsTheAreaBetweenTheCdfs() {
    // A shift by 5 moves every unit of mass 5.
    assertThat(Distances.wasserstein(new double[] {0, 1, 3}, new double[] {5, 6, 8})).isCloseTo(5, within(EPS));
    // dev {0, 1}, prod {0, 2}: on [0, 1) F = G = .5; on [1, 2) F = 1, G = .5: area .5 (as scipy).
    assertThat(Distances.wasserstein(new double[] {0, 1}, new double[] {0, 2})).isCloseTo(0.5, within(EPS));
    // Different sizes and repeated values: dev {1, 1, 2, 2}, prod {1, 2}: same CDF, 0.
    assertThat(Distances.wasserstein(new double[] {2, 1, 2, 1}, new double[] {2, 1})).isZero();
  }

  @Test
  void wassersteinIsDividedByTheDevStandardDeviationWithAFloor() {
    // dev {0, 1}: mean .5, population std .5; W1 .5 / .5 = 1.
    assertThat(Distances.populationStd(new double[] {0, 1})).isEqualTo(0.5);
    assertThat(Distances.normalizedWasserstein(0.5, 0.5)).isEqualTo(1.0);
    // A constant dev feature (std 0) is divided by .001: W1 of 1 becomes 1000.
    assertThat(Distances.normalizedWasserstein(1, 0)).isCloseTo(1000, within(1e-9));
  }

  @Test
  void wassersteinFromBinsSpreadsEachBinEvenly() {
    // [0, 2], width 1: dev all in bin 0, prod all in bin 1. D = F - G goes 0 -> 1 over bin 0 and
    // 1 -> 0 over bin 1: area .5 + .5 = 1, which is W1 of uniform[0,1] vs uniform[1,2].
    assertThat(Distances.wassersteinFromBins(new long[] {2, 0}, new long[] {0, 2}, 0, 2)).isCloseTo(1, within(EPS));
    // [0, 3], width 1: dev (1, 0, 1), prod (0, 2, 0). D: 0 -> .5 (area .25), .5 -> -.5 crossing
    // mid-bin (two triangles .5 * .5 * .5 = .125 each: .25), -.5 -> 0 (.25): .75.
    assertThat(Distances.wassersteinFromBins(new long[] {1, 0, 1}, new long[] {0, 2, 0}, 0, 3))
        .isCloseTo(0.75, within(EPS));
  }

  @Test
  void binnedWassersteinStaysWithinOneBinWidthOfTheExactValue() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    double[] dev = new double[2000];
    double[] prod = new double[3000];
    for (int i = 0; i < dev.length; i++) {
      dev[i] = Math.floor(r.nextDouble() * r.nextDouble() * 500);
    }
    for (int i = 0; i < prod.length; i++) {
      prod[i] = Math.floor(r.nextDouble() * 700);
    }
    int bins = 50;
    double exact = Distances.wasserstein(dev, prod);
    double binned = Distances.wassersteinFromBins(
        Distances.histogram(dev, 0, 699, bins), Distances.histogram(prod, 0, 699, bins), 0, 699);
    assertThat(Math.abs(exact - binned)).isLessThanOrEqualTo(699.0 / bins);
    assertThat(exact).isGreaterThan(699.0 / bins); // the bound is tighter than the distance itself
  }

  @Test
  void numericCompareOfAHandWorkedPair() {
    // dev {1,2,3,4}, prod {3,4,5,6}: n = 8 -> 4 bins over [1, 6], bin = floor((v - 1) * 4 / 5):
    // 1,2 -> 0; 3 -> 1; 4 -> 2; 5 -> 3; 6 -> 3 (closed last bin). dev (2,1,1,0), prod (0,1,1,2).
    NumericDrift d = NumericDrift.compare("x", new double[] {1, 2, 3, 4}, new double[] {3, 4, 5, 6}, 0, 1);
    assertThat(d.bins()).isEqualTo(4);
    assertThat(d.devHistogram()).containsExactly(2, 1, 1, 0);
    assertThat(d.prodHistogram()).containsExactly(0, 1, 1, 2);
    // m = (.25,.25,.25,.25); KL(d||m) = .5 ln 2 = KL(p||m); JSD = .5 ln 2; sqrt = .5887050.
    assertThat(d.jensenShannon()).isCloseTo(0.5887050112577373, within(EPS));
    // PSI: bins 0 and 3 are (.5 vs .0001) and (.0001 vs .5): 2 * .4999 * ln(5000) = 8.5154898.
    assertThat(d.psi()).isCloseTo(8.515489752777954, within(1e-9));
    // W1 = 2 (a shift by 2); dev std = sqrt(1.25) = 1.1180340; 2 / 1.1180340 = 1.7888544.
    assertThat(d.wassersteinNorm()).isCloseTo(1.7888543819998317, within(EPS));
    assertThat(d.wassersteinExact()).isTrue();
    assertThat(d.devMean()).isEqualTo(2.5);
    assertThat(d.prodNulls()).isEqualTo(1);
  }

  @Test
  void numericCompareWithAnEmptySideHasNoDistances() {
    NumericDrift d = NumericDrift.compare("x", new double[] {1, 2}, new double[0], 0, 3);
    assertThat(d.jensenShannon()).isNull();
    assertThat(d.psi()).isNull();
    assertThat(d.wassersteinNorm()).isNull();
    assertThat(d.prodNulls()).isEqualTo(3);
  }

  @Test
  void categoricalCompareOfAHandWorkedPair() {
    // dev (a 3, b 1) -> (.75, .25, 0); prod (a 1, b 1, c 2) -> (.25, .25, .5); L-inf .5 (at a and c).
    // m = (.5, .25, .25): KL(dev||m) = .75 ln 1.5 = .3040988; KL(prod||m) = .25 ln .5 + .5 ln 2 = .1732868
    // JSD = .2386928; distance = sqrt = .4885620.
    CategoricalDrift c = CategoricalDrift.compare("lang",
        Map.of("a", 3L, "b", 1L), Map.of("a", 1L, "b", 1L, "c", 2L), 0, 0, CategoricalDrift.TOP_K);
    assertThat(c.lInfinity()).isEqualTo(0.5);
    assertThat(c.largestGapCategory()).isEqualTo("a");
    double jsd = (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5) + 0.5 * Math.log(2)) / 2;
    assertThat(c.jensenShannon()).isCloseTo(Math.sqrt(jsd), within(EPS)).isCloseTo(0.48856, within(1e-5));
  }

  @Test
  void categoriesPastTheTopKAreGroupedAsOther() {
    // Scores (dev share + prod share): a .5 + .5 = 1, d 0 + .5 = .5, b .3, c .2. Top 2 = {a, d};
    // b and c fold into (other) on the dev side.
    CategoricalDrift c = CategoricalDrift.compare("k",
        Map.of("a", 5L, "b", 3L, "c", 2L), Map.of("a", 5L, "d", 5L), 0, 0, 2);
    assertThat(c.devCounts()).containsOnly(Map.entry("a", 5L), Map.entry(CategoricalDrift.OTHER, 5L));
    assertThat(c.prodCounts()).containsOnly(Map.entry("a", 5L), Map.entry("d", 5L));
    // Grouped dev (a .5, d 0, other .5), prod (a .5, d .5, other 0): L-inf .5.
    assertThat(c.lInfinity()).isEqualTo(0.5);
  }

  @Test
  void comparingAnEmptyDistributionIsAClearError() {
    assertThatThrownBy(() -> Distances.jensenShannon(new double[] {0, 0}, new double[] {1, 1}))
        .hasMessageContaining("empty distribution");
    assertThatThrownBy(() -> Distances.psi(new double[] {1}, new double[] {1, 2}))
        .hasMessageContaining("same, non-zero number of bins");
  }
}
