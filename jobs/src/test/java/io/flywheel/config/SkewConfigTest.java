package io.flywheel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code skew.*} section: defaults, per-feature thresholds, and errors that name the key. */
class SkewConfigTest {
  @TempDir Path dir;

  private static FlywheelConfig.Skew skew(String... sets) {
    return ConfigLoader.load(null, Map.of(), List.of(sets)).config().skew();
  }

  @Test
  void defaultsReadProdFromLlmCallsOfOneDayWithThresholdPointOne() {
    FlywheelConfig.Skew s = skew();
    assertThat(s.prod().source()).isEqualTo("llm_calls");
    assertThat(s.prod().windowDays()).isEqualTo(1);
    assertThat(s.prod().jobs()).containsExactly("summarize");
    assertThat(s.prod().inputField()).isEqualTo("description");
    assertThat(s.threshold("chars")).isEqualTo(0.1);
    assertThat(s.minDevStd()).isEqualTo(0.01);
    assertThat(s.alert().historyRuns()).isEqualTo(14);
    assertThat(s.alert().sigmas()).isEqualTo(3.0);
    assertThat(s.aucThreshold()).isEqualTo(0.55);
    assertThat(s.nondeterminism().repeats()).isEqualTo(3);
    assertThat(s.clusters().gapMinProdShare()).isEqualTo(0.02);
  }

  @Test
  void aFeatureThresholdOverridesTheDefaultForThatFeatureOnly() throws IOException {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "skew:\n  thresholds:\n    chars: 0.25\n");
    FlywheelConfig.Skew s = ConfigLoader.load(f, Map.of(), List.of()).config().skew();
    assertThat(s.threshold("chars")).isEqualTo(0.25);
    assertThat(s.threshold("words")).as("default kept beside the file's entry").isEqualTo(0.1);
  }

  @Test
  void aThresholdForAnUnknownFeatureNamesTheKey() {
    assertThatThrownBy(() -> skew("skew.thresholds.charz=0.2"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("skew.thresholds.charz").hasMessageContaining("names no feature");
  }

  @Test
  void aThresholdThatIsNotPositiveNamesTheKey() {
    assertThatThrownBy(() -> skew("skew.thresholds.default=0"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("skew.thresholds.default");
  }

  @Test
  void anUnknownSourceOrFormatNamesTheKey() {
    assertThatThrownBy(() -> skew("skew.prod.source=kafka"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("skew.prod.source");
    assertThatThrownBy(() -> skew("skew.dev.format=xlsx"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("skew.dev.format");
  }

  @Test
  void aTableSourceNeedsAPath() {
    assertThatThrownBy(() -> skew("skew.prod.source=table"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("skew.prod.path").hasMessageContaining("required");
    assertThat(skew("skew.prod.source=table", "skew.prod.path=/data/prod").prod().path()).isEqualTo("/data/prod");
  }

  @Test
  void badAlertAndClusterSettingsNameTheirKeys() {
    assertThatThrownBy(() -> skew("skew.alert.sigmas=0")).hasMessageContaining("skew.alert.sigmas");
    assertThatThrownBy(() -> skew("skew.clusters.k=1")).hasMessageContaining("skew.clusters.k");
    assertThatThrownBy(() -> skew("skew.clusters.algorithm=dbscan")).hasMessageContaining("skew.clusters.algorithm");
    assertThatThrownBy(() -> skew("skew.auc_threshold=0.4")).hasMessageContaining("skew.auc_threshold");
    assertThatThrownBy(() -> skew("skew.nondeterminism.repeats=1")).hasMessageContaining("skew.nondeterminism.repeats");
    assertThatThrownBy(() -> skew("skew.prod.input_field=a.b")).hasMessageContaining("skew.prod.input_field");
  }
}
