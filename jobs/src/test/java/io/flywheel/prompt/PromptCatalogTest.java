package io.flywheel.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptCatalogTest {
  @TempDir Path dir;

  private void write(String name, String id, int version, String user) throws IOException {
    Files.writeString(dir.resolve(name), "id: " + id + "\nversion: " + version + "\nsystem: be brief\nuser: \"" + user + "\"\n");
  }

  @Test
  void loadsEveryYamlFileById() throws IOException {
    write("a.yaml", "catalog_summary", 2, "Summarize {item_json}");
    write("b.yaml", "catalog_summary_books", 1, "Summarize the book {item_json}");
    Files.writeString(dir.resolve("notes.txt"), "not a prompt");
    PromptCatalog catalog = PromptCatalog.load(dir);
    assertThat(catalog.all()).containsOnlyKeys("catalog_summary", "catalog_summary_books");
    PromptTemplate t = catalog.get("catalog_summary");
    assertThat(t.version()).isEqualTo(2);
    assertThat(t.system()).isEqualTo("be brief");
    assertThat(t.render(Map.of("item_json", "X")).get(1).content()).isEqualTo("Summarize X");
  }

  @Test
  void duplicateIdIsAnErrorNamingIdAndFile() throws IOException {
    write("a.yaml", "catalog_summary", 1, "one {item_json}");
    write("b.yaml", "catalog_summary", 2, "two {item_json}");
    assertThatThrownBy(() -> PromptCatalog.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'catalog_summary'")
        .hasMessageContaining("defined twice")
        .hasMessageContaining("b.yaml");
  }

  @Test
  void missingFolderIsAnErrorNamingTheKeyAndFolder() {
    Path missing = dir.resolve("no-such-prompts");
    assertThatThrownBy(() -> PromptCatalog.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("summarize.prompts_dir")
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void unknownFieldInAPromptFileIsAnErrorNamingTheFile() throws IOException {
    Files.writeString(dir.resolve("bad.yaml"), "id: p\nversion: 1\nuser: u\ntemprature: 0.2\n");
    assertThatThrownBy(() -> PromptCatalog.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad.yaml")
        .hasMessageContaining("not a valid prompt template");
  }

  @Test
  void yamlSyntaxErrorInAPromptFileNamesFileLineAndColumnInOneLine() throws IOException {
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "id: p\nversion: 1\nsystem: be brief: please\nuser: u\n");
    assertThatThrownBy(() -> PromptCatalog.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessage(broken + ": not a valid prompt template at line 3, column 17: mapping values are not allowed here");
  }

  @Test
  void invalidTemplateIsAnErrorNamingTheFile() throws IOException {
    Files.writeString(dir.resolve("zero.yaml"), "id: p\nversion: 0\nuser: u\n");
    assertThatThrownBy(() -> PromptCatalog.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("zero.yaml")
        .hasMessageContaining("version must be positive");
  }

  @Test
  void unknownPromptIdIsAnErrorListingKnownIds() throws IOException {
    write("a.yaml", "catalog_summary", 1, "x {item_json}");
    PromptCatalog catalog = PromptCatalog.load(dir);
    assertThatThrownBy(() -> catalog.get("nope"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'nope'")
        .hasMessageContaining("catalog_summary");
  }

  @Test
  void emptyFolderGivesEmptyCatalog() {
    assertThat(PromptCatalog.load(dir).all()).isEmpty();
  }

  @Test
  void shippedPromptsLoadAndRenderWithTheJobVariables() {
    // Surefire runs in the jobs module; the shipped prompts live in ../conf/prompts.
    PromptCatalog catalog = PromptCatalog.load(Path.of("..", "conf", "prompts"));
    assertThat(catalog.all()).containsKeys("catalog_summary", "catalog_summary_books");
    Map<String, String> vars =
        Map.of("language", "en", "language_name", "English", "max_summary_chars", "700", "item_json", "{\"title\":\"T\"}");
    // The summary prompts; the judge prompts have their own variables (JudgePromptTest).
    for (PromptTemplate t : catalog.all().values().stream().filter(p -> p.id().startsWith("catalog_summary")).toList()) {
      assertThat(t.render(vars).get(1).content()).as(t.id()).contains("<catalog_item>").contains("{\"title\":\"T\"}");
    }
  }
}
