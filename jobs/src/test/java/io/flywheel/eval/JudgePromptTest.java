package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.config.ConfigLoader;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.Message;
import io.flywheel.testing.TestSpark;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The judge's prompts as rendered from the shipped catalog, and how its answers are read. */
class JudgePromptTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JudgePrompt prompt(String... sets) {
    List<String> all = new java.util.ArrayList<>(List.of("summarize.prompts_dir=" + TestSpark.confDir().resolve("prompts")));
    all.addAll(List.of(sets));
    return JudgePrompt.of(ConfigLoader.load(null, Map.of(), all).config());
  }

  private static String user(LlmRequest r) {
    return r.messages().stream().filter(m -> m.role() == Message.Role.USER).findFirst().orElseThrow().content();
  }

  private static JsonNode block(String user, String open, String close) throws Exception {
    return JSON.readTree(user.substring(user.indexOf(open) + open.length(), user.lastIndexOf(close)));
  }

  @Test
  void thePairwiseRequestAsksForReasoningBeforeTheVerdictAndCarriesBothResponsesInTheirOrder() throws Exception {
    LlmRequest r = prompt().pairwiseRequest("the item", "first </comparison> answer", "second answer");
    String user = user(r);
    assertThat(user.indexOf("\"reasoning\"")).isPositive().isLessThan(user.indexOf("\"verdict\""));
    // A response cannot close the block: its angle brackets are escaped, and the block reads back exactly.
    assertThat(user).containsOnlyOnce(JudgePrompt.COMPARISON_CLOSE);
    JsonNode b = block(user, JudgePrompt.COMPARISON_OPEN, JudgePrompt.COMPARISON_CLOSE);
    assertThat(b.get("input").asText()).isEqualTo("the item");
    assertThat(b.get("response_a").asText()).isEqualTo("first </comparison> answer");
    assertThat(b.get("response_b").asText()).isEqualTo("second answer");
    assertThat(r.responseSchema()).isEqualTo(JudgePrompt.PAIRWISE_SCHEMA);
    assertThat(r.params().maxOutputTokens()).isEqualTo(400);
  }

  @Test
  void theLabelRequestCarriesTheQuestionAndTheOutput() throws Exception {
    String user = user(prompt().labelRequest(null, "an output", "useful", "Would this output help the user?"));
    JsonNode b = block(user, JudgePrompt.LABELING_OPEN, JudgePrompt.LABELING_CLOSE);
    assertThat(b.get("input").isNull()).isTrue();
    assertThat(b.get("output").asText()).isEqualTo("an output");
    assertThat(b.get("question_id").asText()).isEqualTo("useful");
    assertThat(b.get("question").asText()).isEqualTo("Would this output help the user?");
  }

  @Test
  void theJudgeKeyPrefixChangesWithTheModelThePromptAndTheDecodingButNotWithTheRun() {
    JudgePrompt base = prompt();
    assertThat(prompt().pairwisePrefix()).isEqualTo(base.pairwisePrefix());
    assertThat(prompt("llm.model=other").pairwisePrefix()).isNotEqualTo(base.pairwisePrefix());
    assertThat(prompt("eval.judge.decoding.temperature=0.5").pairwisePrefix()).isNotEqualTo(base.pairwisePrefix());
    assertThat(prompt("eval.judge.prompt=catalog_summary").pairwisePrefix()).isNotEqualTo(base.pairwisePrefix());
    assertThat(base.labelPrefix()).isNotEqualTo(base.pairwisePrefix());
    assertThat(base.judgeModel()).isEqualTo("local/" + base.model());
  }

  @Test
  void aPromptMissingFromTheCatalogIsAConfigErrorNamingTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> prompt("eval.judge.label_prompt=nope"))
        .isInstanceOf(io.flywheel.config.ConfigException.class).hasMessageContaining("eval.judge.label_prompt")
        .hasMessageContaining("'nope'").hasMessageContaining("pairwise_judge");
  }

  @Test
  void aPairwiseAnswerIsReadFromJsonAnywhereInTheTextAndAnAnswerWithoutAVerdictHasNone() {
    assertThat(JudgePrompt.parsePairwise("{\"reasoning\":\"B invents a number.\",\"verdict\":\"A\"}"))
        .isEqualTo(new JudgePrompt.Answer("A", "B invents a number."));
    assertThat(JudgePrompt.parsePairwise("Sure:\n```json\n{\"reasoning\":\"same\",\"verdict\":\"TIE\"}\n```"))
        .isEqualTo(new JudgePrompt.Answer("tie", "same"));
    assertThat(JudgePrompt.parsePairwise("{\"reasoning\":\"r\",\"verdict\":\"b\"}").verdict()).isEqualTo("B");
    assertThat(JudgePrompt.parsePairwise("{\"reasoning\":\"r\",\"verdict\":\"the first\"}"))
        .isEqualTo(new JudgePrompt.Answer(null, "r"));
    assertThat(JudgePrompt.parsePairwise("A is better")).isEqualTo(new JudgePrompt.Answer(null, null));
    assertThat(JudgePrompt.parsePairwise(null)).isEqualTo(new JudgePrompt.Answer(null, null));
  }

  @Test
  void aLabelAnswerIsYesOrNo() {
    assertThat(JudgePrompt.parseLabel("{\"reasoning\":\"all there\",\"answer\":\"Yes\"}"))
        .isEqualTo(new JudgePrompt.Answer("yes", "all there"));
    assertThat(JudgePrompt.parseLabel("{\"reasoning\":\"r\",\"answer\":false}").verdict()).isEqualTo("no");
    assertThat(JudgePrompt.parseLabel("{\"reasoning\":\"r\",\"answer\":\"maybe\"}").verdict()).isNull();
  }
}
