package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flywheel.recommend.CatalogMatcher.Match;
import io.flywheel.recommend.CatalogMatcher.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * One tiny run, every expected value computed by hand in the comments: catalog {A, B, C, D, E};
 * u1 got [A, B, C], u2 got [A, B, A] (6 slots: A three times, B twice, C once).
 */
class RecommendationMetricsTest {
  private static final Offset<Double> EPS = within(1e-12);
  private static final Set<String> CATALOG = Set.of("A", "B", "C", "D", "E");
  private static final Map<String, List<String>> LISTS = Map.of("u1", List.of("A", "B", "C"), "u2", List.of("A", "B", "A"));
  private static final Map<String, List<String>> NONE = Map.of();

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  @Test
  void catalogCoverageIsDistinctRecommendedOverCatalogSize() {
    // {A, B, C} / 5; an id outside the catalog does not count.
    assertThat(RecommendationMetrics.catalogCoverage(LISTS, CATALOG)).isCloseTo(0.6, EPS);
    assertThat(RecommendationMetrics.catalogCoverage(Map.of("u3", List.of("Z", "D")), CATALOG)).isCloseTo(0.2, EPS);
    assertThat(RecommendationMetrics.catalogCoverage(LISTS, Set.of())).isNaN();
  }

  @Test
  void distributionalCoverageIsTheEntropyOfRecommendationCounts() {
    // p = 3/6, 2/6, 1/6: H = 1/2 * 1 + 1/3 * log2 3 + 1/6 * log2 6 = 1.459148...
    double expected = 0.5 + log2(3) / 3 + log2(6) / 6;
    assertThat(RecommendationMetrics.distributionalCoverage(LISTS)).isCloseTo(expected, EPS).isCloseTo(1.459148, within(1e-6));
    assertThat(RecommendationMetrics.distributionalCoverage(Map.of("u", List.of("A", "A")))).isEqualTo(0.0);
    assertThat(RecommendationMetrics.distributionalCoverage(Map.of("u", List.of("A", "B", "C", "D")))).isCloseTo(2.0, EPS);
    assertThat(RecommendationMetrics.distributionalCoverage(NONE)).isNaN();
  }

  @Test
  void noveltyUsesAddOneSmoothedPurchaseShares() {
    // Purchases A 5, B 1, D 2 (C and E never): total 8, smoothing denominator 8 + 5 = 13.
    // p(A) = 6/13, p(B) = 2/13, p(C) = 1/13.
    Map<String, Long> purchases = Map.of("A", 5L, "B", 1L, "D", 2L);
    assertThat(RecommendationMetrics.popularity("C", purchases, 8, 5)).isCloseTo(1.0 / 13, EPS);
    // (3 log2(13/6) + 2 log2(13/2) + log2 13) / 6 = 2.074625...
    double expected = (3 * log2(13.0 / 6) + 2 * log2(13.0 / 2) + log2(13)) / 6;
    assertThat(RecommendationMetrics.novelty(LISTS, purchases, 5)).isCloseTo(expected, EPS).isCloseTo(2.074625, within(1e-6));
    assertThat(RecommendationMetrics.novelty(NONE, purchases, 5)).isNaN();
  }

  @Test
  void rarelyPurchasedItemsAreMoreNovel() {
    Map<String, Long> purchases = Map.of("A", 5L, "B", 1L);
    assertThat(RecommendationMetrics.novelty(Map.of("u", List.of("C")), purchases, 5))
        .isGreaterThan(RecommendationMetrics.novelty(Map.of("u", List.of("B")), purchases, 5))
        .isGreaterThan(RecommendationMetrics.novelty(Map.of("u", List.of("A")), purchases, 5));
  }

  @Test
  void unsmoothedNoveltyIsMicrosoftRecommendersDefinition() {
    // Purchases A 6, B 2 (total 8; C, D, E never). Slots: A three times -log2(6/8) = 0.415037,
    // B twice -log2(2/8) = 2, C once adds 0 (never purchased) but counts: (3*0.415037 + 2*2 + 0) / 6 = 0.874185.
    Map<String, Long> purchases = Map.of("A", 6L, "B", 2L);
    double expected = (3 * -log2(6.0 / 8) + 2 * -log2(2.0 / 8)) / 6;
    assertThat(RecommendationMetrics.noveltyUnsmoothed(LISTS, purchases)).isCloseTo(expected, EPS)
        .isCloseTo(0.874185, within(1e-6));
    // The smoothed novelty of the same run depends on the catalog size; this one does not.
    assertThat(RecommendationMetrics.noveltyUnsmoothed(LISTS, purchases))
        .isNotCloseTo(RecommendationMetrics.novelty(LISTS, purchases, 5), within(0.1));
    assertThat(RecommendationMetrics.noveltyUnsmoothed(NONE, purchases)).isNaN();
  }

  @Test
  void categoriesPerListCountsDistinctKnownCategoriesAveragedOverNonEmptyLists() {
    // A, B shoes; C hats; D unknown. u1 [A, B, C] has 2, u2 [A, B, A] 1, u3 [D, C] 1 (D unknown), u4 empty is
    // left out: (2 + 1 + 1) / 3 = 1.333333.
    Map<String, String> cat = Map.of("A", "shoes", "B", "shoes", "C", "hats", "D", "");
    Map<String, List<String>> lists = Map.of("u1", List.of("A", "B", "C"), "u2", List.of("A", "B", "A"),
        "u3", List.of("D", "C"), "u4", List.of());
    assertThat(RecommendationMetrics.categoriesPerList(lists, cat)).isCloseTo(4.0 / 3, EPS);
    assertThat(RecommendationMetrics.categoriesPerList(NONE, cat)).isNaN();
    assertThatThrownBy(() -> RecommendationMetrics.categoriesPerList(Map.of("u", List.of("Z")), cat))
        .hasMessageContaining("no category for item Z");
  }

  @Test
  void aListIsDominatedWhenOneCategoryHoldsMoreThanHalfOfItsSlots() {
    // u1 [A, B, C]: shoes 2 of 3 > 1.5, dominated. u2 [A, C]: 1 of 2 is not more than half. u3 [A, B, C, E]:
    // shoes 2 of 4, not dominated. u4 [D, D, D]: unknown never dominates. u5 empty: left out. 1 / 4 = 0.25.
    Map<String, String> cat = Map.of("A", "shoes", "B", "shoes", "C", "hats", "D", "", "E", "bags");
    Map<String, List<String>> lists = Map.of("u1", List.of("A", "B", "C"), "u2", List.of("A", "C"),
        "u3", List.of("A", "B", "C", "E"), "u4", List.of("D", "D", "D"), "u5", List.of());
    assertThat(RecommendationMetrics.categoryDominatedRate(lists, cat)).isCloseTo(0.25, EPS);
    assertThat(RecommendationMetrics.categoryDominatedRate(NONE, cat)).isNaN();
  }

  @Test
  void intraListDiversityIsOneMinusMeanPairwiseCosineAveragedOverLists() {
    // A = (1, 0), B = (0, 1), C = (0.6, 0.8).
    // u1 pairs AB 0, AC 0.6, BC 0.8: 1 - 1.4/3 = 8/15. u2 pairs AB 0, AA 1, BA 0: 1 - 1/3 = 2/3.
    // Mean (8/15 + 10/15) / 2 = 0.6. A one-item list has no pairs and is left out.
    Map<String, float[]> emb = Map.of("A", new float[] {1, 0}, "B", new float[] {0, 1}, "C", new float[] {0.6f, 0.8f});
    assertThat(RecommendationMetrics.intraListDiversity(LISTS, emb)).isCloseTo(0.6, within(1e-7));
    Map<String, List<String>> withSingle = Map.of("u1", List.of("A", "B", "C"), "u9", List.of("C"));
    assertThat(RecommendationMetrics.intraListDiversity(withSingle, emb)).isCloseTo(8.0 / 15, within(1e-7));
    assertThat(RecommendationMetrics.intraListDiversity(Map.of("u9", List.of("C")), emb)).isNaN();
    assertThatThrownBy(() -> RecommendationMetrics.intraListDiversity(Map.of("u", List.of("A", "Q")), emb))
        .hasMessageContaining("no embedding for item Q");
  }

  @Test
  void temporalDiversityIsTheMeanShareOfNewItemsPerUser() {
    // u1: {A, B, C} minus previous {A, D, E} = {B, C}: 2/3. u2: {A, B} minus previous {B, A}: 0.
    // u3 has no current list and u4 no previous one: both left out. Mean (2/3 + 0) / 2 = 1/3.
    Map<String, List<String>> previous = Map.of("u1", List.of("A", "D", "E"), "u2", List.of("B", "A"), "u3", List.of("A"));
    Map<String, List<String>> current = Map.of("u1", List.of("A", "B", "C"), "u2", List.of("A", "B", "A"), "u4", List.of("E"));
    assertThat(RecommendationMetrics.temporalDiversity(previous, current)).isCloseTo(1.0 / 3, EPS);
    assertThat(RecommendationMetrics.temporalDiversity(NONE, current)).isNaN();
  }

  @Test
  void hallucinationRateIsUnmatchedOverAllRawSuggestions() {
    Match id = new Match("A", Method.EXACT_ID, Double.NaN);
    Match title = new Match("B", Method.TITLE, 0.9);
    Match none = new Match(null, Method.HALLUCINATION, 0.4);
    // 2 of 5 suggestions matched nothing.
    assertThat(RecommendationMetrics.hallucinationRate(Map.of("u1", List.of(id, title, none), "u2", List.of(none, id))))
        .isCloseTo(0.4, EPS);
    assertThat(RecommendationMetrics.hallucinationRate(Map.of())).isNaN();
  }

  @Test
  void historyRepeatRateIsSlotsAlreadyInTheUsersHistoryOverAllSlots() {
    // u1 history {C, E}: C repeats. u2 history {B}: B repeats. 2 of 6 slots.
    Map<String, Set<String>> history = Map.of("u1", Set.of("C", "E"), "u2", Set.of("B"));
    assertThat(RecommendationMetrics.historyRepeatRate(LISTS, history)).isCloseTo(1.0 / 3, EPS);
    assertThat(RecommendationMetrics.historyRepeatRate(LISTS, Map.of())).isEqualTo(0.0);
  }

  @Test
  void duplicateRateIsRepeatsWithinAListOverAllSlots() {
    // u2's second A is the only repeat: 1 of 6 slots. A across two users' lists is not a duplicate.
    assertThat(RecommendationMetrics.duplicateRate(LISTS)).isCloseTo(1.0 / 6, EPS);
    assertThat(RecommendationMetrics.duplicateRate(NONE)).isNaN();
  }

  @Test
  void resampleRateIsUsersNeedingMoreThanOneAttemptOverUsers() {
    assertThat(RecommendationMetrics.resampleRate(Map.of("u1", 1, "u2", 3, "u3", 1, "u4", 2))).isCloseTo(0.5, EPS);
    assertThatThrownBy(() -> RecommendationMetrics.resampleRate(Map.of("u1", 0))).hasMessageContaining("at least 1");
  }

  @Test
  void orderSensitivityIsTheMeanJaccardDistanceBetweenShuffles() {
    // u1: {A, B, C} vs {A, C, D}: 1 - 2/4 = 0.5. u2: {A, B} vs {B, A}: 0. u3 is in one run only.
    Map<String, List<String>> a = Map.of("u1", List.of("A", "B", "C"), "u2", List.of("A", "B"), "u3", List.of("E"));
    Map<String, List<String>> b = Map.of("u1", List.of("A", "C", "D"), "u2", List.of("B", "A"));
    assertThat(RecommendationMetrics.orderSensitivity(a, b)).isCloseTo(0.25, EPS);
    assertThat(RecommendationMetrics.jaccardDistance(List.of(), List.of())).isEqualTo(0.0);
    assertThat(RecommendationMetrics.jaccardDistance(List.of("A"), List.of("B"))).isEqualTo(1.0);
  }
}
