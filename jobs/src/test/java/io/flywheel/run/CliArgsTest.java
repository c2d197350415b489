package io.flywheel.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CliArgsTest {

  @Test
  void parsesJobAndCommonFlags() {
    CliArgs a =
        CliArgs.parse(new String[] {"summarize", "--conf", "conf/local.yaml", "--run-date", "2025-03-04", "--run-id", "r-1", "--dry-run"});
    assertThat(a.job()).isEqualTo("summarize");
    assertThat(a.conf()).isEqualTo("conf/local.yaml");
    assertThat(a.runDate()).isEqualTo(LocalDate.of(2025, 3, 4));
    assertThat(a.runId()).isEqualTo("r-1");
    assertThat(a.dryRun()).isTrue();
    assertThat(a.sets()).isEmpty();
    assertThat(a.options()).isEmpty();
    assertThat(a.positional()).isEmpty();
  }

  @Test
  void defaultsWhenOnlyTheJobIsGiven() {
    LocalDate before = LocalDate.now(ZoneOffset.UTC);
    CliArgs a = CliArgs.parse(new String[] {"generate"});
    LocalDate after = LocalDate.now(ZoneOffset.UTC);
    assertThat(a.conf()).isNull();
    assertThat(a.runId()).isNull();
    assertThat(a.dryRun()).isFalse();
    assertThat(a.runDate()).isBetween(before, after);
  }

  @Test
  void collectsRepeatedSetsInOrder() {
    CliArgs a = CliArgs.parse(new String[] {"summarize", "--set", "llm.model=x", "--set", "summarize.batch_size=10"});
    assertThat(a.sets()).containsExactly("llm.model=x", "summarize.batch_size=10");
  }

  @Test
  void jobOptionsTakeAValueOrDefaultToTrue() {
    CliArgs a = CliArgs.parse(new String[] {"generate", "--items", "1000", "--quiet", "--seed", "-7", "--force"});
    assertThat(a.options()).containsExactly(
        java.util.Map.entry("items", "1000"),
        java.util.Map.entry("quiet", "true"),
        java.util.Map.entry("seed", "-7"),
        java.util.Map.entry("force", "true"));
    assertThat(a.option("items", "5")).isEqualTo("1000");
    assertThat(a.option("mutate", "0")).isEqualTo("0");
  }

  @Test
  void verboseIsAFlagOfEveryJobNotAnOption() {
    CliArgs a = CliArgs.parse(new String[] {"summarize", "--verbose", "--dry-run"});
    assertThat(a.verbose()).isTrue();
    assertThat(a.dryRun()).isTrue();
    assertThat(a.options()).isEmpty();
    assertThat(CliArgs.parse(new String[] {"summarize"}).verbose()).isFalse();
  }

  @Test
  void keepsPositionalArgumentsInOrder() {
    CliArgs a = CliArgs.parse(new String[] {"inspect", "summaries", "--run-id", "r", "llm_calls"});
    assertThat(a.positional()).containsExactly("summaries", "llm_calls");
    assertThat(a.runId()).isEqualTo("r");
  }

  @Test
  void noArgumentsIsAnError() {
    assertThatThrownBy(() -> CliArgs.parse(new String[0])).hasMessageContaining("no job");
  }

  @Test
  void flagWithoutItsValueIsAnError() {
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"summarize", "--conf"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--conf needs a value");
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"summarize", "--set"})).hasMessageContaining("--set needs a value");
  }

  @Test
  void badRunDateIsAnErrorShowingTheValue() {
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"summarize", "--run-date", "04/03/2025"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("YYYY-MM-DD")
        .hasMessageContaining("'04/03/2025'");
  }
}
