package io.flywheel.llm.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.FinishReason;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.Message;
import io.flywheel.llm.ResponseSchema;
import io.flywheel.llm.StructuredOutput;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.FakeLlmServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Anthropic Messages client against the fake server: tool and prefill output, errors. */
class AnthropicClientTest {
  private static final String KEY = "sk-ant-test-abcdef0123456789";
  private static final ResponseSchema SCHEMA =
      new ResponseSchema("answer", 1,
          "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"},\"key_features\":{\"type\":\"array\","
              + "\"items\":{\"type\":\"string\"}}},\"required\":[\"summary\",\"key_features\"],\"additionalProperties\":false}");
  private static FakeLlmServer server;
  private final List<JsonNode> bodies = new ArrayList<>();

  @TempDir Path dir;

  @BeforeAll
  static void startServer() {
    server = FakeLlmServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void reset() {
    server.clearSeen();
    server.requireKey(KEY).script(r -> {
      synchronized (bodies) {
        bodies.add(r.body());
      }
      return Reply.answer();
    });
  }

  private AnthropicClient client(String... sets) throws Exception {
    Path keyFile = dir.resolve("key");
    Files.writeString(keyFile, KEY);
    List<String> all = new ArrayList<>(List.of("llm.provider=anthropic", "llm.model=claude-test-20250101",
        "llm.base_url=" + server.anthropicBaseUrl(), "llm.api_key_file=" + keyFile));
    all.addAll(List.of(sets));
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), all).config().llm();
    return new AnthropicClient(llm, Map.of());
  }

  private static LlmRequest request(String user, double topP) {
    return new LlmRequest("claude-test-20250101", List.of(Message.system("Be brief."), Message.user(user)), SCHEMA,
        new DecodingParams(0.0, topP, 64, 7));
  }

  @Test
  void structuredOutputGoesThroughAForcedToolAndComesBackAsItsInput() throws Exception {
    LlmResponse r = client().complete(request("hello", 1.0));

    JsonNode sent = bodies.get(0);
    assertThat(sent.path("system").asText()).isEqualTo("Be brief.");
    assertThat(sent.path("messages")).hasSize(1);
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.has("top_p")).as("top_p 1 is the API default and is not sent").isFalse();
    assertThat(sent.path("tools").get(0).path("name").asText()).isEqualTo("answer");
    assertThat(sent.path("tools").get(0).path("input_schema").path("required")).hasSize(2);
    assertThat(sent.path("tool_choice").path("name").asText()).isEqualTo("answer");
    assertThat(StructuredOutput.check(r.content(), SCHEMA).valid()).isTrue();
    assertThat(r.content()).contains("Echo: hello");
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(r.reportedModel()).isEqualTo("claude-test-20250101");
    assertThat(r.usage().inputTokens()).isPositive();
    assertThat(r.usage().outputTokens()).isPositive();
  }

  @Test
  void whatIsRecordedAsSentIsTheBodyTheServerReceivedWithItsStructuredOutputMode() throws Exception {
    AnthropicClient tool = client();
    LlmRequest req = request("recorded", 0.9);
    tool.complete(req);
    assertThat(tool.wire(req).body().toString()).isEqualTo(bodies.get(0).toString());
    assertThat(tool.wire(req).structuredOutput()).isEqualTo("tool");
    assertThat(tool.wire(req).endpoint()).isEqualTo(server.anthropicBaseUrl() + "/v1/messages");
    AnthropicClient prompt = client("llm.structured_output=prompt");
    prompt.complete(req);
    assertThat(prompt.wire(req).body().toString()).isEqualTo(bodies.get(1).toString());
    assertThat(prompt.wire(req).structuredOutput()).isEqualTo("prefill");
    assertThat(prompt.wire(req).toJson().toString()).doesNotContain(KEY);
  }

  @Test
  void promptModePrefillsTheAnswerWithABraceAndPutsItBack() throws Exception {
    LlmResponse r = client("llm.structured_output=prompt").complete(request("hello", 0.9));

    JsonNode sent = bodies.get(0);
    assertThat(sent.has("tools")).isFalse();
    assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);
    assertThat(sent.path("system").asText()).contains("JSON schema");
    JsonNode last = sent.path("messages").get(sent.path("messages").size() - 1);
    assertThat(last.path("role").asText()).isEqualTo("assistant");
    assertThat(last.path("content").asText()).isEqualTo("{");
    assertThat(StructuredOutput.check(r.content(), SCHEMA).valid()).as(r.content()).isTrue();
    assertThat(r.content()).startsWith("{\"summary\"");
  }

  @Test
  void sendsTheVersionHeaderAndTheKeyOnlyAsXApiKey() throws Exception {
    server.requireKey("sk-ant-other-9999999999");
    assertThatThrownBy(() -> client().complete(request("x", 1)))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("http_401");
          assertThat(e.getMessage()).doesNotContain(KEY).contains("[redacted]");
        });
  }

  @Test
  void overloadedAndServerErrorsAreTransientPromptTooLongIsTheRequests() throws Exception {
    AnthropicClient client = client();
    server.script(r -> Reply.error(529));
    assertThatThrownBy(() -> client.complete(request("x", 1)))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("http_529");
          assertThat(e.retryable()).isTrue();
          assertThat(e.getMessage()).contains("overloaded_error");
        });
    server.script(r -> Reply.error(400, "invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum"));
    assertThatThrownBy(() -> client.complete(request("x", 1)))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("context_length");
          assertThat(e.status()).isEqualTo("failed");
        });
    server.script(r -> Reply.emptyChoices());
    assertThatThrownBy(() -> client.complete(request("x", 1)))
        .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.errorClass()).isEqualTo("empty_content"));
  }

  @Test
  void stopReasonsMapToFinishReasons() throws Exception {
    AnthropicClient client = client();
    server.script(r -> Reply.answer().finish("length"));
    assertThat(client.complete(request("x", 1)).finishReason()).isEqualTo(FinishReason.LENGTH);
    server.script(r -> Reply.answer().finish("content_filter"));
    assertThat(client.complete(request("x", 1)).finishReason()).isEqualTo(FinishReason.CONTENT_FILTER);
    server.script(r -> Reply.answer().model("claude-other"));
    assertThat(client.complete(request("x", 1)).reportedModel()).isEqualTo("claude-other");
  }
}
