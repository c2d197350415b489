package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.embed.EmbeddingMemo;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local recommender on a 2-D toy catalog (vectors put in the memo, so no model is loaded). */
class LocalRecommenderTest {
  private static final List<RecommendPrompt.Item> A = items("lrt-a", 8);
  private static final List<RecommendPrompt.Item> B = items("lrt-b", 8);

  @BeforeAll
  static void vectors() {
    for (int i = 0; i < 8; i++) {
      double t = i * 0.02;
      EmbeddingMemo.put(key(A.get(i)), new float[] {(float) Math.cos(t), (float) Math.sin(t)});
      EmbeddingMemo.put(key(B.get(i)), new float[] {(float) Math.sin(t), (float) Math.cos(t)});
    }
  }

  private static List<RecommendPrompt.Item> items(String prefix, int n) {
    List<RecommendPrompt.Item> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new RecommendPrompt.Item(prefix + i, prefix + " gadget " + i, "cat"));
    }
    return out;
  }

  private static String key(RecommendPrompt.Item i) {
    return EmbeddingMemo.itemKey(i.title(), i.category());
  }

  private static String prompt(List<RecommendPrompt.Item> history) {
    List<RecommendPrompt.Item> candidates = new ArrayList<>(A.subList(3, 8));
    candidates.addAll(B.subList(3, 8));
    List<Message> m = RecommendPrompt.render("Suggest.", 4, history, candidates, List.of());
    return m.get(1).content();
  }

  private static List<String> ids(String answer) {
    return RecommendPrompt.parse(answer).stream().map(RecommendPrompt.Suggestion::title).toList();
  }

  @Test
  void samePromptGivesTheSameAnswer() {
    String p = prompt(List.of(A.get(0), A.get(1), A.get(2), B.get(0)));
    assertThat(LocalRecommender.answer(p, 0, 0.0)).isEqualTo(LocalRecommender.answer(p, 0, 0.0));
  }

  @Test
  void theFirstHistoryItemsLeadTheAnswer() {
    List<RecommendPrompt.Item> aFirst = List.of(A.get(0), A.get(1), A.get(2), B.get(0), B.get(1), B.get(2));
    List<RecommendPrompt.Item> bFirst = List.of(B.get(0), B.get(1), B.get(2), A.get(0), A.get(1), A.get(2));
    assertThat(ids(LocalRecommender.answer(prompt(aFirst), 0, 0.0)))
        .allMatch(t -> t.startsWith("lrt-a") || t.startsWith("lrt-b")).filteredOn(t -> t.startsWith("lrt-a")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(ids(LocalRecommender.answer(prompt(bFirst), 0, 0.0)))
        .filteredOn(t -> t.startsWith("lrt-b")).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void hallucinationRateOneInventsEveryTitle() {
    String p = prompt(List.of(A.get(0)));
    assertThat(ids(LocalRecommender.answer(p, 0, 1.0))).hasSize(4).allMatch(t -> t.startsWith("Imaginary "));
  }

  @Test
  void promptWithoutTheBlockIsABadRequest() {
    assertThatThrownBy(() -> LocalRecommender.answer("no block", 0, 0.0)).isInstanceOf(LlmException.class)
        .hasMessageContaining(RecommendPrompt.OPEN_TAG);
  }
}
