package io.flywheel.llm.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExtractiveSummarizerTest {
  private static final String DESCRIPTION =
      "The Norvik headphones are compact headphones for travel. It weighs 250 g and measures 18 x 16 cm. "
          + "Made from recycled plastic, it is built to last. The battery lasts up to 30 hours on a single charge. "
          + "It comes with a 2-year warranty. Customers praise its comfort and battery life.";
  private static final String REVIEWS =
      "Great headphones, does exactly what it promises.\nArrived quickly and works as described.\n"
          + "My kids love these headphones!";

  /** True when {@code summary} is some of {@code sentences}, each verbatim, in their original order. */
  private static boolean isOrderedSelection(String summary, List<String> sentences) {
    String rest = summary;
    for (String s : sentences) {
      if (rest.equals(s)) {
        return true;
      }
      if (rest.startsWith(s + " ")) {
        rest = rest.substring(s.length() + 1);
      }
    }
    return rest.isEmpty();
  }

  @Test
  void splitsSentencesAtEndPunctuationAndLineBreaks() {
    assertThat(ExtractiveSummarizer.sentences("One fine day. Two? Three!\nFour and five\n\nok"))
        .containsExactly("One fine day.", "Two?", "Three!", "Four and five");
    assertThat(ExtractiveSummarizer.sentences(null)).isEmpty();
    assertThat(ExtractiveSummarizer.sentences("  ")).isEmpty();
  }

  @Test
  void keepsSummaryWithinCharacterBudget() {
    for (int budget : new int[] {60, 80, 120, 200, 400}) {
      ExtractiveSummarizer.Summary s = ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of(), budget, 5);
      assertThat(s.summary().length()).as("budget %d", budget).isLessThanOrEqualTo(budget);
      assertThat(s.summary()).as("budget %d", budget).isNotEmpty();
    }
  }

  @Test
  void aSentenceRepeatedInTheReviewsIsTakenOnce() {
    String review = "Solid quality for the money, would buy again.";
    ExtractiveSummarizer.Summary s =
        ExtractiveSummarizer.summarize("The kettle boils water fast.", review + "\n" + review + "\n" + review, List.of(), 10_000, 5);
    assertThat(s.summary()).isEqualTo("The kettle boils water fast. " + review);
  }

  @Test
  void largeBudgetKeepsEverySentence() {
    ExtractiveSummarizer.Summary s = ExtractiveSummarizer.summarize(DESCRIPTION, null, List.of(), 10_000, 5);
    assertThat(s.summary()).isEqualTo(DESCRIPTION);
  }

  @Test
  void copiesSourceSentencesVerbatimInOriginalOrder() {
    List<String> all =
        new java.util.ArrayList<>(ExtractiveSummarizer.sentences(DESCRIPTION));
    all.addAll(ExtractiveSummarizer.sentences(REVIEWS));
    for (int budget : new int[] {80, 150, 250}) {
      String summary = ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of(), budget, 5).summary();
      assertThat(isOrderedSelection(summary, all)).as("budget %d: %s", budget, summary).isTrue();
    }
  }

  @Test
  void selectionIsShorterThanTheSourceWhenBudgetIsTight() {
    String summary = ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of(), 150, 5).summary();
    assertThat(summary.length()).isLessThan(DESCRIPTION.length());
  }

  @Test
  void isDeterministic() {
    ExtractiveSummarizer.Summary a = ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of("Norvik"), 150, 5);
    ExtractiveSummarizer.Summary b = ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of("Norvik"), 150, 5);
    assertThat(b).isEqualTo(a);
  }

  @Test
  void usesSecondaryTextWhenPrimaryIsMissing() {
    String summary = ExtractiveSummarizer.summarize(null, REVIEWS, List.of(), 200, 5).summary();
    assertThat(summary).isNotEmpty();
    assertThat(ExtractiveSummarizer.sentences(REVIEWS)).anyMatch(summary::contains);
  }

  @Test
  void emptyInputGivesEmptySummaryAndOnlyFixedFeatures() {
    ExtractiveSummarizer.Summary s = ExtractiveSummarizer.summarize("", null, List.of("Norvik", "electronics"), 200, 5);
    assertThat(s.summary()).isEmpty();
    assertThat(s.keyFeatures()).containsExactly("Norvik", "electronics");
  }

  @Test
  void keyFeaturesStartWithFixedOnesAndRespectTheLimit() {
    ExtractiveSummarizer.Summary s =
        ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of(" Norvik ", "", "electronics"), 200, 4);
    assertThat(s.keyFeatures()).hasSize(4);
    assertThat(s.keyFeatures().subList(0, 2)).containsExactly("Norvik", "electronics");
    // Derived features are content words of the item, not stop words or bare numbers.
    for (String f : s.keyFeatures().subList(2, 4)) {
      assertThat(f).hasSizeGreaterThan(3).doesNotMatch("\\d+");
      assertThat((DESCRIPTION + " " + REVIEWS).toLowerCase()).contains(f);
    }
  }

  @Test
  void derivedFeaturesDoNotRepeatAFixedFeature() {
    ExtractiveSummarizer.Summary s =
        ExtractiveSummarizer.summarize(DESCRIPTION, REVIEWS, List.of("Headphones"), 200, 6);
    assertThat(s.keyFeatures()).filteredOn(f -> f.equalsIgnoreCase("headphones")).hasSize(1);
  }
}
