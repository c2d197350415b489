package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** What eval-judge and judge-calibration print and compute without Spark: the summary table (as docs/eval.md shows it) and a question's agreement from its 2×2 counts. */
class EvalJudgeJobTest {

  @Test
  void theSummaryShowsAsRatesWithAndWithoutTheLengthImbalancedPairsAsTheDocsShowThem() {
    String printed = EvalJudgeJob.summary("A1", "B1", "openai/gpt-4o", WinRates.of(4, 1, 0), WinRates.of(3, 1, 0));
    assertThat(printed).isEqualTo("""
        eval-judge A = A1 vs B = B1, judge openai/gpt-4o:
          pairs                 n   wins   ties losses  A wins (95% Wilson)    tie (95% Wilson)       B wins (95% Wilson)    score (95%)
          all                   5      4      1      0  0.800 [0.376, 0.964]   0.200 [0.036, 0.624]   0.000 [0.000, 0.434]   0.900 [0.704, 1.000]
          length_balanced       4      3      1      0  0.750 [0.301, 0.954]   0.250 [0.046, 0.699]   0.000 [0.000, 0.490]   0.875 [0.630, 1.000]
        """);
    assertThat(EvalJudgeJob.summary("A1", "B1", "local/x", WinRates.of(0, 0, 0), WinRates.of(0, 0, 0)))
        .contains("  all                   0      0      0      0  -                      -");
  }

  @Test
  void aQuestionsAgreementComesFromItsTwoByTwoCounts() {
    // cells[people * 2 + judge]: no/no 2, no/yes 1, yes/no 1, yes/yes 4 -> 6 of 8 agree, kappa 14/30.
    JudgeAgreement g = JudgeCalibrationJob.agreement(new long[] {2, 1, 1, 4, 0});
    assertThat(g.n()).isEqualTo(8);
    assertThat(g.agreement()).isCloseTo(0.75, within(1e-12));
    assertThat(g.kappa()).isCloseTo(14.0 / 30, within(1e-12));
  }
}
