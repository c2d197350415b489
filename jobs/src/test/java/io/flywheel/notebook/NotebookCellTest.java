package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NotebookCellTest {
  @Test
  void aPlainCellIsItsQueryWithoutTheTrailingSemicolon() {
    NotebookCell c = NotebookCell.parse("-- calls per status\nSELECT status, count(*) AS calls\nFROM llm_calls GROUP BY status;\n");

    assertThat(c.chart()).isNull();
    assertThat(c.sql()).isEqualTo("-- calls per status\nSELECT status, count(*) AS calls\nFROM llm_calls GROUP BY status");
  }

  @Test
  void aChartLineFirstDrawsTheQueryBelowIt() {
    NotebookCell c = NotebookCell.parse("\n%chart bar x=status y=calls\nSELECT status, count(*) AS calls FROM llm_calls GROUP BY status");

    assertThat(c.chart().kind()).isEqualTo(ChartSpec.Kind.BAR);
    assertThat(c.sql()).isEqualTo("SELECT status, count(*) AS calls FROM llm_calls GROUP BY status");
  }

  @Test
  void blankAndCommentOnlyCellsAreEmpty() {
    assertThat(NotebookCell.parse("  \n\n").isEmpty()).isTrue();
    assertThat(NotebookCell.parse("-- nothing to run yet\n").isEmpty()).isTrue();
  }

  @Test
  void semicolonsInsideStringsAndCommentsAreNotASecondStatement() {
    assertThat(NotebookCell.parse("SELECT 'a;b' AS s, \"c;d\" AS t -- e;f\nFROM x").sql()).contains("'a;b'");
    assertThatThrownBy(() -> NotebookCell.parse("SELECT 1; SELECT 2")).hasMessageContaining("one SQL query");
  }

  @Test
  void misplacedOrUnknownCommandsAreErrors() {
    assertThatThrownBy(() -> NotebookCell.parse("SELECT 1\n%chart bar x=a y=b")).hasMessageContaining("must come first");
    assertThatThrownBy(() -> NotebookCell.parse("%sql\nSELECT 1")).hasMessageContaining("unknown cell command %sql");
    assertThatThrownBy(() -> NotebookCell.parse("%chart bar x=a y=b\n-- no query")).hasMessageContaining("needs a SQL query");
  }
}
