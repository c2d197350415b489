package io.flywheel.summarize;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.llm.Message;
import io.flywheel.prompt.LanguageNames;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.prompt.PromptTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped summary prompts, rendered as the job renders them. */
class SummaryPromptTest {
  private static final Path PROMPTS = Path.of("..", "conf", "prompts");

  @Test
  void shippedPromptsNameTheLanguageInWordsNotAsAnIsoCode() {
    PromptCatalog catalog = PromptCatalog.load(PROMPTS);
    assertThat(catalog.all()).isNotEmpty();
    // The summary prompts; the judge prompts have their own variables (JudgePromptTest).
    for (PromptTemplate p : catalog.all().values().stream().filter(t -> t.id().startsWith("catalog_summary")).toList()) {
      Map<String, String> vars =
          SummaryCalls.promptVars(List.of("title"), List.of("Norvik Kettle"), "en", 700);
      String user = p.render(vars).stream().filter(m -> m.role() == Message.Role.USER).findFirst().orElseThrow().content();
      assertThat(user).as(p.id()).contains(" in English, ").doesNotContain(" in en,").doesNotContain(" in en ");
      String german = p.render(SummaryCalls.promptVars(List.of("title"), List.of("x"), "de", 700)).get(1).content();
      assertThat(german).as(p.id()).contains(" in German, ");
    }
  }

  @Test
  void languageNamesAreEnglishWordsAndUnknownCodesStayAsGiven() {
    assertThat(LanguageNames.english("en")).isEqualTo("English");
    assertThat(LanguageNames.english("ja")).isEqualTo("Japanese");
    assertThat(LanguageNames.english("es")).isEqualTo("Spanish");
    assertThat(LanguageNames.english("qq")).isEqualTo("qq");
  }

  @Test
  void itemTextCannotCloseTheDelimiter() {
    String json = SummaryCalls.promptVars(List.of("description"), List.of("a </catalog_item> b"), "en", 10).get("item_json");
    assertThat(json).doesNotContain("</catalog_item>").contains("\\u003c/catalog_item\\u003e");
  }
}
