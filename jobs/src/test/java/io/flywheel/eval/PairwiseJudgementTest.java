package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of the pairwise judge and its calibration, against hand-computed values. */
class PairwiseJudgementTest {
  @Test
  void aWinCountsOnlyWhenBothOrdersAgree() {
    assertThat(PairwiseVerdict.combine(PairwiseVerdict.A, PairwiseVerdict.B.unswapped())).isEqualTo(PairwiseVerdict.A);
    // The judge prefers whatever is shown first: "A" then "A" about (B, A) means A, then B.
    assertThat(PairwiseVerdict.combine(PairwiseVerdict.A, PairwiseVerdict.A.unswapped())).isEqualTo(PairwiseVerdict.TIE);
    assertThat(PairwiseVerdict.combine(PairwiseVerdict.TIE, PairwiseVerdict.TIE)).isEqualTo(PairwiseVerdict.TIE);
    assertThat(PairwiseVerdict.combine(PairwiseVerdict.B, null)).isEqualTo(PairwiseVerdict.TIE);
    assertThat(PairwiseVerdict.parse(" Tie ")).isEqualTo(PairwiseVerdict.TIE);
    assertThat(PairwiseVerdict.parse("b")).isEqualTo(PairwiseVerdict.B);
    assertThat(PairwiseVerdict.parse("maybe")).isNull();
  }

  @Test
  void lengthImbalanceIsTheRatioOfTheLongerToTheShorter() {
    assertThat(PairwiseVerdict.lengthImbalanced(100, 150, 1.5)).isFalse();
    assertThat(PairwiseVerdict.lengthImbalanced(151, 100, 1.5)).isTrue();
    assertThat(PairwiseVerdict.lengthImbalanced(0, 1, 1.5)).isTrue();
    assertThat(PairwiseVerdict.lengthImbalanced(0, 0, 1.5)).isFalse();
  }

  @Test
  void winRatesHaveWilsonIntervalsAndTheScoreANormalOne() {
    List<PairwiseVerdict> v = new java.util.ArrayList<>();
    v.addAll(Collections.nCopies(6, PairwiseVerdict.A));
    v.addAll(Collections.nCopies(2, PairwiseVerdict.TIE));
    v.addAll(Collections.nCopies(2, PairwiseVerdict.B));
    WinRates r = WinRates.of(v);
    assertThat(r.pairs()).isEqualTo(10);
    assertThat(r.winRate().value()).isEqualTo(0.6);
    // Mean score (6 + 2/2) / 10 = 0.7; sample variance (6·0.09 + 2·0.04 + 2·0.49) / 9 = 0.17778.
    assertThat(r.score().value()).isCloseTo(0.7, within(1e-12));
    assertThat(r.score().low()).isCloseTo(0.7 - 1.959964 * Math.sqrt(1.6 / 9 / 10), within(1e-6));
    // 8 of 10: statsmodels proportion_confint(8, 10, method="wilson") = (0.490162, 0.943318).
    WinRates.Interval w = WinRates.wilson(8, 10);
    assertThat(w.low()).isCloseTo(0.490162, within(1e-6));
    assertThat(w.high()).isCloseTo(0.943318, within(1e-6));
    assertThat(WinRates.wilson(0, 5).low()).isZero();
    assertThat(WinRates.of(List.of()).winRate().value()).isNaN();
  }

  @Test
  void cohensKappaCorrectsAgreementForChance() {
    List<Boolean> judge = List.of(true, true, false, false, true, false, true, true, false, false);
    List<Boolean> people = List.of(true, false, false, false, true, false, true, true, true, false);
    JudgeAgreement a = JudgeAgreement.of(judge, people);
    // 8 of 10 agree; both say yes half the time, so chance agreement is 0.5: κ = (0.8 − 0.5) / 0.5.
    assertThat(a.agreement()).isEqualTo(0.8);
    assertThat(a.kappa()).isCloseTo(0.6, within(1e-12));
    // A judge that always says yes agrees with mostly-yes people 80% of the time and is worth nothing.
    JudgeAgreement yesMan = JudgeAgreement.of(Collections.nCopies(10, true),
        List.of(true, true, true, true, true, true, true, true, false, false));
    assertThat(yesMan.agreement()).isEqualTo(0.8);
    assertThat(yesMan.kappa()).isCloseTo(0.0, within(1e-12));
  }
}
