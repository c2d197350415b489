package io.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<ChatMessage> PROMPT =
      List.of(new ChatMessage("system", "Summarize."), new ChatMessage("user", "A steel kettle, 1.7 l."));

  @TempDir Path dir;

  private static List<ChatMessage> chat(String answer) {
    List<ChatMessage> all = new ArrayList<>(PROMPT);
    all.add(ChatMessage.assistant(answer));
    return all;
  }

  private static List<JsonNode> read(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private static void assertConversation(JsonNode messages, String lastRole) {
    assertThat(messages.isArray()).isTrue();
    for (JsonNode m : messages) {
      assertThat(m.fieldNames()).toIterable().containsExactly("role", "content");
      assertThat(m.get("content").asText()).isNotBlank();
    }
    assertThat(messages.get(messages.size() - 1).get("role").asText()).isEqualTo(lastRole);
  }

  @Test
  void chatFormatsWriteMessagesEndingWithTheAnswer() throws Exception {
    for (ExportFormat f : List.of(ExportFormat.OPENAI_CHAT, ExportFormat.TRL_SFT)) {
      Path file = dir.resolve(f.code() + ".jsonl");
      JsonlExport.Result r = JsonlExport.write(file, f, JsonlExport.sorted(List.of(
          new TrainingExample.Chat("b", "accept", chat("A 1.7 l steel kettle.")),
          new TrainingExample.Chat("a", "accept_edited", chat("Steel kettle, 1.7 litres.")))).iterator(), 1000);
      List<JsonNode> rows = read(file);
      assertThat(rows).hasSize(2);
      assertThat(r.rows()).isEqualTo(2);
      assertThat(r.rowsBySourceEventType()).isEqualTo(Map.of("accept", 1L, "accept_edited", 1L));
      for (JsonNode row : rows) {
        assertThat(row.fieldNames()).toIterable().containsExactly("messages");
        assertConversation(row.get("messages"), "assistant");
        assertThat(row.get("messages")).hasSize(3);
      }
      assertThat(rows.get(0).get("messages").get(2).get("content").asText()).isEqualTo("Steel kettle, 1.7 litres.");
    }
  }

  @Test
  void preferenceFormatsFollowOpenAiAndTrlLayouts() throws Exception {
    TrainingExample.Preference p = new TrainingExample.Preference("p1", "pairwise", PROMPT, "Good.", "Bad.");
    Path openai = dir.resolve("openai_preference.jsonl");
    JsonlExport.write(openai, ExportFormat.OPENAI_PREFERENCE, List.of(p).iterator(), 1000);
    JsonNode o = read(openai).get(0);
    assertThat(o.fieldNames()).toIterable().containsExactly("input", "preferred_output", "non_preferred_output");
    assertConversation(o.get("input").get("messages"), "user");
    assertThat(o.get("preferred_output")).hasSize(1);
    assertThat(o.get("preferred_output").get(0).get("role").asText()).isEqualTo("assistant");
    assertThat(o.get("preferred_output").get(0).get("content").asText()).isEqualTo("Good.");
    assertThat(o.get("non_preferred_output").get(0).get("content").asText()).isEqualTo("Bad.");

    Path trl = dir.resolve("trl_dpo.jsonl");
    JsonlExport.write(trl, ExportFormat.TRL_DPO, List.of(p).iterator(), 1000);
    JsonNode t = read(trl).get(0);
    assertThat(t.fieldNames()).toIterable().containsExactly("prompt", "chosen", "rejected");
    assertConversation(t.get("prompt"), "user");
    assertConversation(t.get("chosen"), "assistant");
    assertThat(t.get("rejected").get(0).get("content").asText()).isEqualTo("Bad.");
  }

  @Test
  void ktoFormatHasPromptCompletionAndBooleanLabel() throws Exception {
    Path file = dir.resolve("trl_kto.jsonl");
    JsonlExport.write(file, ExportFormat.TRL_KTO, List.of(
        new TrainingExample.Unpaired("k1", "thumbs_down", PROMPT, "Wrong size.", false),
        new TrainingExample.Unpaired("k2", "accept", PROMPT, "Right.", true)).iterator(), 1000);
    List<JsonNode> rows = read(file);
    assertThat(rows.get(0).fieldNames()).toIterable().containsExactly("prompt", "completion", "label");
    assertThat(rows.get(0).get("label").isBoolean()).isTrue();
    assertThat(rows.get(0).get("label").asBoolean()).isFalse();
    assertThat(rows.get(1).get("label").asBoolean()).isTrue();
    assertConversation(rows.get(1).get("completion"), "assistant");
  }

  @Test
  void invalidExamplesAreRefusedWithTheirReasonAndNotWritten() throws Exception {
    List<TrainingExample> in = JsonlExport.sorted(List.of(
        new TrainingExample.Chat("a", "accept", chat("ok")),
        new TrainingExample.Chat("b", "accept", PROMPT),
        new TrainingExample.Chat("c", "accept", List.of(new ChatMessage("assistant", "hi"), new ChatMessage("user", "x"),
            ChatMessage.assistant("y"))),
        new TrainingExample.Chat("d", "accept", List.of(new ChatMessage("user", " "), ChatMessage.assistant("y"))),
        new TrainingExample.Chat("e", "accept", chat("x".repeat(400))),
        new TrainingExample.Chat("f", "accept", List.of(new ChatMessage("user", "a"), new ChatMessage("system", "late"),
            ChatMessage.assistant("y"))),
        new TrainingExample.Chat("g", "accept", List.of(new ChatMessage("tool", "a"), ChatMessage.assistant("y")))));
    Path file = dir.resolve("sft.jsonl");
    JsonlExport.Result r = JsonlExport.write(file, ExportFormat.OPENAI_CHAT, in.iterator(), 100);
    assertThat(read(file)).hasSize(1);
    assertThat(r.refused()).extracting(JsonlExport.Refusal::exampleId, JsonlExport.Refusal::reason).containsExactly(
        org.assertj.core.groups.Tuple.tuple("b", "messages must end with an assistant turn, ends with user"),
        org.assertj.core.groups.Tuple.tuple("c", "messages[0] is assistant where user was expected (turns alternate, user first)"),
        org.assertj.core.groups.Tuple.tuple("d", "messages[0] (user) has empty content"),
        org.assertj.core.groups.Tuple.tuple("e", "over the token limit: 108 tokens > 100"),
        org.assertj.core.groups.Tuple.tuple("f", "messages[1] is a system message after the conversation started"),
        org.assertj.core.groups.Tuple.tuple("g", "messages[0] has role 'tool'; allowed: system, user, assistant"));
    assertThat(ExportFormat.OPENAI_PREFERENCE.validate(new TrainingExample.Preference("p", "x", PROMPT, "same", "same"), 100))
        .contains("chosen and rejected answers are the same");
    assertThat(ExportFormat.TRL_DPO.validate(new TrainingExample.Preference("p", "x", chat("a"), "b", "c"), 100))
        .contains("prompt must end with a user turn, ends with assistant");
    assertThat(ExportFormat.TRL_KTO.validate(new TrainingExample.Unpaired("k", "x", PROMPT, "", true), 100))
        .contains("completion is empty");
    assertThat(ExportFormat.TRL_KTO.validate(new TrainingExample.Chat("k", "x", chat("a")), 100))
        .contains("trl_kto takes Unpaired examples, got Chat");
  }

  @Test
  void writingTheSameExamplesTwiceIsByteIdentical() throws Exception {
    List<TrainingExample> in = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      in.add(new TrainingExample.Chat(String.format("%04d", i), "accept", chat("Answer é ü 中 " + i + " \"quoted\"\n")));
    }
    JsonlExport.Result a = JsonlExport.write(dir.resolve("a.jsonl"), ExportFormat.TRL_SFT, in.iterator(), 1000);
    java.util.Collections.reverse(in);
    JsonlExport.Result b = JsonlExport.write(dir.resolve("b.jsonl"), ExportFormat.TRL_SFT, JsonlExport.sorted(in).iterator(), 1000);
    assertThat(Files.readAllBytes(dir.resolve("a.jsonl"))).isEqualTo(Files.readAllBytes(dir.resolve("b.jsonl")));
    assertThat(a.sha256()).isEqualTo(b.sha256()).isEqualTo(JsonlExport.sha256(dir.resolve("a.jsonl")));
    assertThat(a.bytes()).isEqualTo(Files.size(dir.resolve("a.jsonl")));
  }

  @Test
  void examplesOutOfOrderAreAnErrorAndLeaveNoFile() {
    Iterator<TrainingExample> in = List.<TrainingExample>of(
        new TrainingExample.Chat("b", "accept", chat("x")), new TrainingExample.Chat("a", "accept", chat("y"))).iterator();
    Path file = dir.resolve("bad.jsonl");
    assertThatThrownBy(() -> JsonlExport.write(file, ExportFormat.OPENAI_CHAT, in, 1000))
        .hasMessageContaining("not in strictly ascending example_id order: a after b");
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("bad.jsonl.tmp")).doesNotExist();
  }
}
