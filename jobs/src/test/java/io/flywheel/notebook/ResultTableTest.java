package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {
  private final ResultTable table = new ResultTable(List.of("status", "calls"),
      List.of(List.of("ok", "12"), List.of("<b>guardrail_rejected</b>", "3")), false);

  @Test
  void htmlHasAHeaderARowPerResultRowAndEscapesValues() {
    String html = table.html();

    assertThat(html).contains("<thead><tr><th>status</th><th>calls</th></tr></thead>");
    assertThat(html).contains("<tr><td>ok</td><td>12</td></tr>");
    assertThat(html).contains("<td>&lt;b&gt;guardrail_rejected&lt;/b&gt;</td>");
    assertThat(html).doesNotContain("<b>");
    assertThat(html).contains("2 rows");
  }

  @Test
  void textAlignsColumnsAndSaysWhenTheResultWasCut() {
    ResultTable cut = new ResultTable(List.of("a", "b"), List.of(List.of("x", "1"), List.of("longer", "2")), true);

    assertThat(cut.text()).isEqualTo("a       b\nx       1\nlonger  2\n(first 2 rows)");
    assertThat(new ResultTable(List.of("a"), List.of(List.of("1")), false).footer()).isEqualTo("1 row");
  }

  @Test
  void longTextCellsEndInAnEllipsisInPlainTextOnly() {
    String longText = "word ".repeat(40);
    ResultTable t = new ResultTable(List.of("text"), List.of(List.of(longText)), false);

    assertThat(t.text().lines().skip(1).findFirst().orElseThrow()).hasSize(ResultTable.TEXT_CELL_WIDTH).endsWith("…");
    assertThat(t.html()).contains(longText);
  }
}
