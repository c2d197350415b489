package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The notebooks as committed: no outputs, the Flywheel kernel, a markdown cell first, cells the kernel parses. */
class CommittedNotebooksTest {
  private static List<Path> notebooks() throws Exception {
    Path here = Path.of("").toAbsolutePath();
    Path dir = Files.isDirectory(here.resolve("notebooks")) ? here.resolve("notebooks") : here.getParent().resolve("notebooks");
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
    }
  }

  @Test
  void notebooksAreCommittedWithoutOutputsAndParse() throws Exception {
    List<Path> notebooks = notebooks();
    assertThat(notebooks).hasSizeGreaterThanOrEqualTo(5);
    for (Path p : notebooks) {
      JsonNode nb = new ObjectMapper().readTree(p.toFile());
      String name = p.getFileName().toString();
      assertThat(nb.at("/metadata/kernelspec/name").asText()).as(name).isEqualTo(KernelSpec.NAME);
      JsonNode cells = nb.get("cells");
      assertThat(cells.get(0).get("cell_type").asText()).as(name + ": first cell").isEqualTo("markdown");
      assertThat(text(cells.get(0).get("source"))).as(name).contains("**Answers:**");
      int charts = 0;
      for (JsonNode c : cells) {
        if (c.get("cell_type").asText().equals("code")) {
          assertThat(c.get("outputs")).as(name + ": outputs").isEmpty();
          assertThat(c.get("execution_count").isNull()).as(name + ": execution_count").isTrue();
          NotebookCell cell = NotebookCell.parse(text(c.get("source")));
          assertThat(cell.isEmpty()).as(name).isFalse();
          charts += cell.chart() != null ? 1 : 0;
        }
      }
      assertThat(charts).as(name + ": charts").isPositive();
    }
  }

  /** A multi-line string of a notebook: nbformat stores it as one string or as a list of lines. */
  static String text(JsonNode source) {
    if (source.isArray()) {
      StringBuilder sb = new StringBuilder();
      source.forEach(l -> sb.append(l.asText()));
      return sb.toString();
    }
    return source.asText();
  }
}
