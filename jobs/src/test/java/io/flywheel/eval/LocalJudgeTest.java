package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The local provider's heuristic judge: checks passed first, then grounding, else a tie; deterministic. */
class LocalJudgeTest {
  private static final String INPUT =
      "{\"title\":\"Norvik Kettle 300\",\"description\":\"The Norvik kettle boils 1.5 litres in 4 minutes and switches off by itself.\"}";

  private static JudgePrompt.Answer pairwise(String a, String b) {
    return JudgePrompt.parsePairwise(LocalJudge.pairwise(INPUT, a, b));
  }

  @Test
  void theResponsePassingMoreChecksWinsInEitherOrderAndTheReasoningNamesTheCounts() {
    String grounded = "The Norvik kettle boils 1.5 litres in 4 minutes.";
    String invented = "The Norvik kettle boils 2.5 litres in 3 minutes.";
    JudgePrompt.Answer ab = pairwise(grounded, invented);
    assertThat(ab.verdict()).isEqualTo("A");
    assertThat(ab.reasoning()).contains("Response A passes 3 of 3 checks").contains("Response B passes 2 of 3 checks")
        .contains("number 2.5 does not occur in the input");
    assertThat(pairwise(invented, grounded).verdict()).isEqualTo("B");
    assertThat(LocalJudge.pairwise(INPUT, grounded, invented)).isEqualTo(LocalJudge.pairwise(INPUT, grounded, invented));
  }

  @Test
  void atEqualChecksFewerUngroundedClaimsWinElseItIsATie() {
    // Both fail grounded; the first has one invented number, the second two and a name.
    String one = "It boils 2 litres.";
    String three = "Made by Acme, it boils 2 litres in 9 minutes.";
    assertThat(LocalJudge.ungrounded(one, INPUT)).isEqualTo(1);
    assertThat(LocalJudge.ungrounded(three, INPUT)).isEqualTo(3);
    assertThat(pairwise(one, three).verdict()).isEqualTo("A");
    assertThat(pairwise(three, one).verdict()).isEqualTo("B");
    assertThat(pairwise("It boils water quickly.", "The Norvik kettle switches off by itself.").verdict()).isEqualTo("tie");
  }

  @Test
  void anEmptyResponseLosesToAnyOther() {
    assertThat(pairwise("", "It boils 2 litres.").verdict()).isEqualTo("B");
    assertThat(pairwise(null, null).verdict()).isEqualTo("tie");
  }

  @Test
  void aFactualQuestionIsAnsweredByGroundingAnyOtherByEveryCheck() {
    String invented = "The Norvik kettle boils 2.5 litres.";
    String withMail = "The Norvik kettle boils 1.5 litres. Ask jane.doe@example.com.";
    assertThat(JudgePrompt.parseLabel(LocalJudge.label(INPUT, invented, "factually_consistent", "Is it consistent?")).verdict())
        .isEqualTo("no");
    assertThat(JudgePrompt.parseLabel(LocalJudge.label(INPUT, withMail, "factually_consistent", "Is it consistent?")).verdict())
        .isEqualTo("yes");
    assertThat(JudgePrompt.parseLabel(LocalJudge.label(INPUT, withMail, "useful", "Would this output help the user?")).verdict())
        .isEqualTo("no");
    assertThat(JudgePrompt.parseLabel(LocalJudge.label(INPUT, "The Norvik kettle boils 1.5 litres.", "useful", "Helpful?")).verdict())
        .isEqualTo("yes");
  }
}
