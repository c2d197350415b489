package io.flywheel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code feedback.*} section: defaults, and errors that name the key and where it was set. */
class FeedbackConfigTest {
  private static FlywheelConfig load(String... sets) {
    return ConfigLoader.load(null, Map.of(), List.of(sets)).config();
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    FlywheelConfig.Feedback f = load().feedback();
    assertThat(f.eventsFormat()).isEqualTo("delta");
    assertThat(f.maxTokens()).isEqualTo(4096);
    assertThat(f.nearDuplicateThreshold()).isEqualTo(0.8);
    assertThat(f.shingleWords()).isEqualTo(3);
    assertThat(f.lshBands()).isEqualTo(10);
    assertThat(f.lshBandRows()).isEqualTo(3);
    assertThat(f.validationFraction()).isEqualTo(0.1);
    assertThat(f.export().name()).isEqualTo("feedback");
    assertThat(f.export().dir()).isEmpty();
    assertThat(f.export().fromManifest()).isEmpty();
  }

  @Test
  void badValuesNameTheKeyAndTheirSource() {
    assertThatThrownBy(() -> load("feedback.near_duplicate_threshold=0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key 'feedback.near_duplicate_threshold'").hasMessageContaining("--set");
    assertThatThrownBy(() -> load("feedback.events_format=xml"))
        .hasMessageContaining("key 'feedback.events_format'").hasMessageContaining("'xml'");
    assertThatThrownBy(() -> load("feedback.validation_fraction=1.5")).hasMessageContaining("key 'feedback.validation_fraction'");
    assertThatThrownBy(() -> load("feedback.max_tokens=0")).hasMessageContaining("key 'feedback.max_tokens'");
    assertThatThrownBy(() -> load("feedback.export.name=../elsewhere")).hasMessageContaining("key 'feedback.export.name'");
    assertThatThrownBy(() -> load("feedback.export.max_failure_ratio=-1"))
        .hasMessageContaining("key 'feedback.export.max_failure_ratio'");
    assertThatThrownBy(() -> load("feedback.no_such_key=1")).hasMessageContaining("unknown key 'feedback.no_such_key'");
  }
}
