package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChartSpecTest {
  @Test
  void parsesKindColumnsSeriesAndAQuotedTitle() {
    ChartSpec s = ChartSpec.parse("%chart line x=run_date y=hit_rate series=job title=\"Cache hit rate per run\"");

    assertThat(s.kind()).isEqualTo(ChartSpec.Kind.LINE);
    assertThat(s.x()).isEqualTo("run_date");
    assertThat(s.y()).containsExactly("hit_rate");
    assertThat(s.series()).isEqualTo("job");
    assertThat(s.displayTitle()).isEqualTo("Cache hit rate per run");
  }

  @Test
  void severalYColumnsAreSeveralSeriesAndTheTitleDefaultsToWhatIsDrawn() {
    ChartSpec s = ChartSpec.parse("  %chart   stacked x=run_date y=input_tokens,output_tokens  ");

    assertThat(s.kind()).isEqualTo(ChartSpec.Kind.STACKED);
    assertThat(s.y()).isEqualTo(List.of("input_tokens", "output_tokens"));
    assertThat(s.series()).isNull();
    assertThat(s.displayTitle()).isEqualTo("input_tokens, output_tokens by run_date");
  }

  @Test
  void badLinesSayWhatIsWrong() {
    assertThatThrownBy(() -> ChartSpec.parse("%chart pie x=a y=b")).hasMessageContaining("line, bar or stacked")
        .hasMessageContaining("'pie'");
    assertThatThrownBy(() -> ChartSpec.parse("%chart x=a y=b")).hasMessageContaining("needs a kind first");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar y=b")).hasMessageContaining("needs x=COLUMN");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a")).hasMessageContaining("needs y=COLUMN");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a y=b colour=red")).hasMessageContaining("no key 'colour'");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a y=b x=c")).hasMessageContaining("'x' is given twice");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a y=b,c series=d")).hasMessageContaining("not both");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a y=b title=\"open")).hasMessageContaining("unclosed quote");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a y=b, ")).hasMessageContaining("empty column name");
    assertThatThrownBy(() -> ChartSpec.parse("%chart bar x=a y=b c")).hasMessageContaining("key=value pairs");
  }
}
