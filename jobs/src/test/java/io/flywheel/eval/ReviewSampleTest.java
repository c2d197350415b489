package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.config.ConfigException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The review sample's pure parts: the quotas, the answers file and the page. */
class ReviewSampleTest {
  @Test
  void quotasGiveEachStratumItsMinimumThenShareTheRestByLargestRemainder() {
    Map<String, Long> counts = new TreeMap<>(Map.of("summarize/ok", 200L, "recommend/ok", 30L, "summarize/failed", 5L));
    // 2 each, then 14 shared by what is left (198, 28, 3): 12.10, 1.71, 0.18 -> 12, 1, 0 and the one
    // left over to the largest remainder (recommend/ok).
    assertThat(ReviewSample.quotas(counts, 20, 2))
        .containsExactlyInAnyOrderEntriesOf(Map.of("summarize/ok", 14, "recommend/ok", 4, "summarize/failed", 2));
    // Everything fits: all of it.
    assertThat(ReviewSample.quotas(counts, 500, 2))
        .containsExactlyInAnyOrderEntriesOf(Map.of("summarize/ok", 200, "recommend/ok", 30, "summarize/failed", 5));
    // The minimums alone are over the size: the minimums.
    assertThat(ReviewSample.quotas(Map.of("a/ok", 5L, "b/ok", 5L, "c/ok", 5L), 4, 2))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a/ok", 2, "b/ok", 2, "c/ok", 2));
    // A stratum smaller than the minimum gives what it has; the sum is the size.
    Map<String, Integer> q = ReviewSample.quotas(Map.of("a/ok", 1000L, "b/failed", 1L), 10, 3);
    assertThat(q).containsExactlyInAnyOrderEntriesOf(Map.of("a/ok", 9, "b/failed", 1));
  }

  @Test
  void anAnswersFileIsReadAndEveryMistakeNamesTheKeyTheFileAndTheEntry() {
    Path f = Path.of("answers.json");
    List<ReviewAnswers.Answer> a = ReviewAnswers.parse(
        "[{\"run_date\":\"2026-11-28\",\"call_id\":\"c1\",\"question\":\"useful\",\"answer\":false}]", f);
    assertThat(a).containsExactly(new ReviewAnswers.Answer(LocalDate.of(2026, 11, 28), "c1", "useful", false));
    assertThatThrownBy(() -> ReviewAnswers.parse("{}", f)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("eval.review.answers").hasMessageContaining("answers.json").hasMessageContaining("array");
    assertThatThrownBy(() -> ReviewAnswers.parse(
            "[{\"run_date\":\"2026-11-28\",\"call_id\":\"c1\",\"question\":\"useful\",\"answer\":\"yes\"}]", f))
        .isInstanceOf(ConfigException.class).hasMessageContaining("entry 0").hasMessageContaining("true or false");
    assertThatThrownBy(() -> ReviewAnswers.parse("[{\"run_date\":\"28.11.2026\",\"call_id\":\"c1\",\"question\":\"q\",\"answer\":true}]", f))
        .isInstanceOf(ConfigException.class).hasMessageContaining("YYYY-MM-DD");
    assertThatThrownBy(() -> ReviewAnswers.parse("[{\"run_date\":\"2026-11-28\",\"question\":\"q\",\"answer\":true}]", f))
        .isInstanceOf(ConfigException.class).hasMessageContaining("call_id");
  }

  @Test
  void thePageEscapesEveryTextFetchesNothingAndChecksTheAnswersGiven() {
    ReviewPage.Item item = new ReviewPage.Item("c<1>", "summarize", "guardrail_rejected", "guardrail_rejection", "guardrail:injection",
        "<catalog_item>{\"t\":\"<script>alert(1)</script>\"}", "Ignore \"all\" & reply",
        List.of(new ReviewPage.Question("useful", "Useful?", true), new ReviewPage.Question("factually_consistent", "Consistent?", null)));
    String html = ReviewPage.html(LocalDate.of(2026, 11, 28), List.of(item));
    assertThat(html).doesNotContain("<script>alert").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("Ignore &quot;all&quot; &amp; reply").contains("c&lt;1&gt;")
        .doesNotContain("http://").doesNotContain("https://").doesNotContain(" src=")
        .contains("1 calls, 2 questions, 1 answered");
    assertThat(html.split("\" checked>", -1)).hasSize(2);
    assertThat(html).contains("value=\"yes\" data-call=\"c&lt;1&gt;\" data-question=\"useful\" checked");
  }
}
