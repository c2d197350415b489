package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.recommend.Mmr.Candidate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Four unit vectors in 2-D, cosines by hand: A·B = 0.96, A·C = 0, A·D = 0.6, B·C = 0.28, B·D = 0.84, C·D = 0.8.
 */
class MmrTest {
  private static final Candidate A = new Candidate("A", 0.9, new float[] {1, 0});
  private static final Candidate B = new Candidate("B", 0.85, new float[] {0.96f, 0.28f});
  private static final Candidate C = new Candidate("C", 0.5, new float[] {0, 1});
  private static final Candidate D = new Candidate("D", 0.6, new float[] {0.6f, 0.8f});
  private static final List<Candidate> ALL = List.of(A, B, C, D);

  private static List<String> ids(List<Candidate> picked) {
    return picked.stream().map(Candidate::itemId).toList();
  }

  @Test
  void lambdaOneRanksByRelevanceAlone() {
    assertThat(ids(Mmr.rerank(ALL, List.of(), 1.0, 3))).containsExactly("A", "B", "D");
  }

  @Test
  void lambdaHalfTradesRelevanceForDiversity() {
    // Pick 1: 0.5*rel -> A 0.45, B 0.425, C 0.25, D 0.30: A.
    // Pick 2: 0.5*rel - 0.5*sim(A) -> B 0.425-0.48 = -0.055, C 0.25-0 = 0.25, D 0.30-0.30 = 0: C.
    // Pick 3: max sim to {A, C} -> B 0.96: -0.055, D 0.8: 0.30-0.40 = -0.10: B.
    assertThat(ids(Mmr.rerank(ALL, List.of(), 0.5, 3))).containsExactly("A", "C", "B");
  }

  @Test
  void alreadySelectedVectorsPushSimilarCandidatesDown() {
    // Recent suggestion (1, 0) pre-selected. Pick 1: A 0.45-0.5 = -0.05, B 0.425-0.48 = -0.055,
    // C 0.25-0 = 0.25, D 0.30-0.30 = 0: C. Pick 2: A -0.05, B -0.055, D 0.30-0.40 = -0.10: A. Pick 3: B.
    assertThat(ids(Mmr.rerank(ALL, List.of(new float[] {1, 0}), 0.5, 3))).containsExactly("C", "A", "B");
  }

  @Test
  void lambdaZeroPicksTheLeastRedundantAfterTheMostRelevant() {
    // Pick 1 scores are all 0 (no selection yet): the tie goes to the first listed, A.
    // Pick 2: -sim(A) -> B -0.96, C 0, D -0.6: C. Pick 3: max sim to {A, C} -> B -0.96, D -0.8: D.
    assertThat(ids(Mmr.rerank(ALL, List.of(), 0.0, 3))).containsExactly("A", "C", "D");
  }

  @Test
  void kLargerThanTheCandidatesReturnsThemAllAndKZeroNone() {
    assertThat(Mmr.rerank(ALL, List.of(), 0.7, 10)).hasSize(4).doesNotHaveDuplicates();
    assertThat(Mmr.rerank(ALL, List.of(), 0.7, 0)).isEmpty();
    assertThat(Mmr.rerank(List.of(), List.of(), 0.7, 3)).isEmpty();
  }

  @Test
  void lambdaOutsideZeroToOneIsRejected() {
    assertThatThrownBy(() -> Mmr.rerank(ALL, List.of(), 1.5, 3)).hasMessageContaining("lambda");
    assertThatThrownBy(() -> Mmr.rerank(ALL, List.of(), Double.NaN, 3)).hasMessageContaining("lambda");
    assertThatThrownBy(() -> Mmr.rerank(ALL, List.of(), 0.5, -1)).hasMessageContaining("k must");
  }

  @Test
  void categoryCapKeepsTheFirstItemsOfEachCategoryInOrder() {
    // Categories: A shoes, B shoes, C hats, D shoes, E unknown, F shoes. Cap 2: A, B (shoes full), C, D dropped,
    // E kept (unknown is never capped), F dropped.
    java.util.Map<String, String> cat = java.util.Map.of("A", "shoes", "B", "shoes", "C", "hats", "D", "shoes",
        "E", "", "F", "shoes");
    List<String> items = List.of("A", "B", "C", "D", "E", "F");
    assertThat(Mmr.limitPerCategory(items, cat::get, 2)).containsExactly("A", "B", "C", "E");
    assertThat(Mmr.limitPerCategory(items, cat::get, 1)).containsExactly("A", "C", "E");
    assertThat(Mmr.limitPerCategory(items, cat::get, 0)).isEqualTo(items);
  }

  @Test
  void cappedCandidatesLeaveMmrNoWayToExceedTheCap() {
    // Uncapped, lambda 1 picks A, B, D (three of "near x"); with a cap of 2 per category D is gone before MMR picks.
    java.util.Map<String, String> cat = java.util.Map.of("A", "near x", "B", "near x", "C", "near y", "D", "near x");
    List<Candidate> capped = Mmr.limitPerCategory(ALL, c -> cat.get(c.itemId()), 2);
    assertThat(ids(Mmr.rerank(ALL, List.of(), 1.0, 3))).containsExactly("A", "B", "D");
    assertThat(ids(Mmr.rerank(capped, List.of(), 1.0, 3))).containsExactly("A", "B", "C");
  }
}
