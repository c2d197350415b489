package io.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportManifestTest {
  private static ExportManifest manifest(List<ExportManifest.FileEntry> files) {
    return new ExportManifest("nov", "cfg123", Map.of("sft_examples", 7L, "feedback_events", 3L), files);
  }

  @Test
  void countsPerSplitFormatAndSourceAndStableJson() {
    ExportManifest.FileEntry train = new ExportManifest.FileEntry("train/openai_chat.jsonl", "train", "openai_chat", 3, 1,
        Map.of("accept", 2L, "accept_edited", 1L), 120, "aa");
    ExportManifest.FileEntry val = new ExportManifest.FileEntry("validation/openai_chat.jsonl", "validation", "openai_chat", 1,
        0, Map.of("accept", 1L), 40, "bb");
    ExportManifest m = manifest(List.of(val, train));
    assertThat(m.counts()).containsExactly(
        Map.entry("train/openai_chat/accept", 2L), Map.entry("train/openai_chat/accept_edited", 1L),
        Map.entry("validation/openai_chat/accept", 1L));
    String json = m.toJson();
    assertThat(json).isEqualTo(manifest(List.of(train, val)).toJson());
    assertThat(json.indexOf("\"feedback_events\"")).isLessThan(json.indexOf("\"sft_examples\""));
    ExportManifest back = ExportManifest.fromJson(json);
    assertThat(back).isEqualTo(m);
    assertThat(back.toJson()).isEqualTo(json);
  }

  @Test
  void unreadableManifestIsAClearError() {
    assertThatThrownBy(() -> ExportManifest.fromJson("{\"name\": \"x\"}")).hasMessageStartingWith("not a feedback export manifest");
  }
}
