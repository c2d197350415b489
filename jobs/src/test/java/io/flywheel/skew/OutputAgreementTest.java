package io.flywheel.skew;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputAgreementTest {
  @Test
  void identicalAnswersAgreeFully() {
    OutputAgreement.Stats s = OutputAgreement.of(List.of("A steel kettle.", "A steel kettle.", "A steel kettle."));
    assertThat(s).isEqualTo(new OutputAgreement.Stats(3, 1, 1.0));
  }

  @Test
  void similarityIsTheJaccardOfLowerCasedWordSets() {
    // {a, steel, kettle} vs {steel, kettle, fast}: 2 shared of 4.
    assertThat(OutputAgreement.similarity("A steel kettle", "steel KETTLE, fast")).isEqualTo(0.5);
    assertThat(OutputAgreement.similarity("kettle kettle", "Kettle")).isEqualTo(1.0);
    assertThat(OutputAgreement.similarity("", "  ")).isEqualTo(1.0);
    assertThat(OutputAgreement.similarity("kettle", "")).isEqualTo(0.0);
  }

  @Test
  void theMeanRunsOverEveryPairAndMissingAnswersAreLeftOut() {
    // Pairs: (ab, ab) 1, (ab, ac) 1/3, (ab, ac) 1/3: mean 5/9.
    OutputAgreement.Stats s = OutputAgreement.of(Arrays.asList("a b", "a b", null, "a c"));
    assertThat(s.answers()).isEqualTo(3);
    assertThat(s.distinct()).isEqualTo(2);
    assertThat(s.meanPairwiseSimilarity()).isCloseTo(5.0 / 9, within(1e-12));
  }

  @Test
  void fewerThanTwoAnswersHaveNoPairwiseSimilarity() {
    assertThat(OutputAgreement.of(Arrays.asList(null, "x"))).isEqualTo(new OutputAgreement.Stats(1, 1, null));
    assertThat(OutputAgreement.of(List.of())).isEqualTo(new OutputAgreement.Stats(0, 0, null));
  }
}
