package io.flywheel.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.llm.Message;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {
  private final PromptTemplate template =
      new PromptTemplate("catalog_summary", 1, "Answer in {language}.", "Summarize in {max_summary_chars} chars: {item_json}");

  @Test
  void rendersSystemAndUserMessagesWithEveryPlaceholderFilled() {
    List<Message> messages =
        template.render(Map.of("language", "en", "max_summary_chars", "700", "item_json", "{\"title\":\"Kettle\"}"));
    assertThat(messages).containsExactly(
        Message.system("Answer in en."),
        Message.user("Summarize in 700 chars: {\"title\":\"Kettle\"}"));
  }

  @Test
  void insertsValuesLiterally() {
    // Regex replacement syntax and placeholder-like text in a value are not interpreted.
    List<Message> messages =
        template.render(Map.of("language", "$1 \\ {item_json}", "max_summary_chars", "1", "item_json", "x"));
    assertThat(messages.get(0).content()).isEqualTo("Answer in $1 \\ {item_json}.");
  }

  @Test
  void leavesJsonBracesThatAreNotPlaceholdersAlone() {
    PromptTemplate t = new PromptTemplate("p", 1, null, "Answer {\"summary\": \"...\", \"key_features\": []} for {item_json}");
    assertThat(t.render(Map.of("item_json", "X")).get(1).content())
        .isEqualTo("Answer {\"summary\": \"...\", \"key_features\": []} for X");
  }

  @Test
  void unknownPlaceholderIsAnErrorNamingIt() {
    assertThatThrownBy(() -> template.render(Map.of("language", "en", "item_json", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("{max_summary_chars}")
        .hasMessageContaining("catalog_summary v1");
  }

  @Test
  void missingSystemTemplateRendersAsEmpty() {
    PromptTemplate t = new PromptTemplate("p", 1, null, "Hi {item_json}");
    assertThat(t.system()).isEmpty();
    assertThat(t.render(Map.of("item_json", "x"))).containsExactly(Message.system(""), Message.user("Hi x"));
  }

  @Test
  void templateHashIsStableAndChangesWithEitherText() {
    String hash = template.templateHash();
    assertThat(hash).matches("[0-9a-f]{64}");
    assertThat(new PromptTemplate("catalog_summary", 1, "Answer in {language}.", "Summarize in {max_summary_chars} chars: {item_json}").templateHash())
        .isEqualTo(hash);
    assertThat(new PromptTemplate("catalog_summary", 1, "Answer in {language}!", "Summarize in {max_summary_chars} chars: {item_json}").templateHash())
        .isNotEqualTo(hash);
    assertThat(new PromptTemplate("catalog_summary", 1, "Answer in {language}.", "Summarize in {max_summary_chars} chars:\n{item_json}").templateHash())
        .isNotEqualTo(hash);
  }

  @Test
  void templateHashDoesNotDependOnIdOrVersion() {
    // The version is a separate cache-key component; the hash covers only the texts.
    assertThat(new PromptTemplate("other", 7, "Answer in {language}.", "Summarize in {max_summary_chars} chars: {item_json}").templateHash())
        .isEqualTo(template.templateHash());
  }

  @Test
  void templateHashSeparatesSystemFromUser() {
    assertThat(new PromptTemplate("p", 1, "ab", "c").templateHash())
        .isNotEqualTo(new PromptTemplate("p", 1, "a", "bc").templateHash());
  }

  @Test
  void rejectsInvalidTemplates() {
    assertThatThrownBy(() -> new PromptTemplate(" ", 1, "", "u")).hasMessageContaining("id is required");
    assertThatThrownBy(() -> new PromptTemplate("p", 0, "", "u")).hasMessageContaining("version must be positive");
    assertThatThrownBy(() -> new PromptTemplate("p", 1, "", " ")).hasMessageContaining("user template is required");
  }
}
