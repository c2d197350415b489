package io.flywheel.llm.openai;

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
import io.flywheel.llm.WireRequest;
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

/** The OpenAI-compatible client against the fake server: request shape, answers, every failure. */
class OpenAiClientTest {
  private static final String KEY = "sk-test-0123456789abcdef";
  static final ResponseSchema SCHEMA =
      new ResponseSchema("answer", 1,
          "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"}},\"required\":[\"summary\"],\"additionalProperties\":false}");
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
    server.latencyMs(0).requireKey(KEY).jsonSchemaSupported(true).script(r -> Reply.answer());
  }

  private OpenAiClient client(String... sets) throws Exception {
    Path keyFile = dir.resolve("key");
    Files.writeString(keyFile, KEY + "\n");
    List<String> all = new ArrayList<>(List.of("llm.provider=openai", "llm.model=gpt-test-2024-01-01",
        "llm.base_url=" + server.openAiBaseUrl(), "llm.api_key_file=" + keyFile,
        "llm.read_timeout_ms=700", "llm.total_timeout_ms=1500", "llm.connect_timeout_ms=500"));
    all.addAll(List.of(sets));
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), all).config().llm();
    return new OpenAiClient(llm, Map.of());
  }

  private static LlmRequest request(String user) {
    return new LlmRequest("gpt-test-2024-01-01", List.of(Message.system("Be brief."), Message.user(user)), SCHEMA,
        new DecodingParams(0.0, 1.0, 64, 7));
  }

  private FakeLlmServer recording(java.util.function.Function<FakeLlmServer.Request, Reply> then) {
    return server.script(r -> {
      synchronized (bodies) {
        bodies.add(r.body());
      }
      return then.apply(r);
    });
  }

  @Test
  void sendsAStrictJsonSchemaAndReportsContentUsageModelFinishAndLatency() throws Exception {
    recording(r -> Reply.answer().latency(50));
    LlmResponse r = client().complete(request("hello there"));

    JsonNode sent = bodies.get(0);
    assertThat(sent.path("model").asText()).isEqualTo("gpt-test-2024-01-01");
    assertThat(sent.path("response_format").path("type").asText()).isEqualTo("json_schema");
    assertThat(sent.path("response_format").path("json_schema").path("strict").asBoolean()).isTrue();
    assertThat(sent.path("response_format").path("json_schema").path("schema").path("required").get(0).asText()).isEqualTo("summary");
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.path("seed").asInt()).isEqualTo(7);
    assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("Be brief.");
    assertThat(r.content()).startsWith("{\"summary\":\"Echo: hello there");
    assertThat(r.reportedModel()).isEqualTo("gpt-test-2024-01-01");
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(r.usage().inputTokens()).isPositive();
    assertThat(r.usage().outputTokens()).isPositive();
    assertThat(r.latencyMillis()).isGreaterThanOrEqualTo(50);
    assertThat(server.seen().get(0).userAgent()).matches("flywheel/\\S+ \\(client \\d+-\\d+\\)");
  }

  @Test
  void fallsBackToTheSchemaInThePromptOnceTheServerRejectsJsonSchema() throws Exception {
    server.jsonSchemaSupported(false);
    recording(r -> Reply.answer());
    OpenAiClient client = client();

    LlmResponse first = client.complete(request("one"));
    LlmResponse second = client.complete(request("two"));

    assertThat(server.seen()).extracting(FakeLlmServer.Seen::status).containsExactly(400, 200, 200);
    assertThat(bodies).hasSize(2).allSatisfy(b -> {
      assertThat(b.has("response_format")).isFalse();
      assertThat(b.path("messages").get(0).path("content").asText()).startsWith("Be brief.").contains("JSON schema");
    });
    // The prompt-mode answer is prose around a fenced JSON block; the caller extracts it.
    assertThat(first.content()).contains("```json").contains("Echo: one");
    assertThat(second.content()).contains("Echo: two");
  }

  private static LlmRequest request(String model, String user) {
    return new LlmRequest(model, List.of(Message.system("Be brief."), Message.user(user)), SCHEMA,
        new DecodingParams(0.0, 1.0, 64, 7));
  }

  @Test
  void reasoningModelsGetMaxCompletionTokensAndNoSamplingParametersByDefault() throws Exception {
    recording(r -> Reply.answer());
    LlmResponse r = client().complete(request("o3-mini-2025-01-31", "hello"));
    assertThat(r.content()).contains("Echo: hello");
    JsonNode sent = bodies.get(0);
    assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(64);
    assertThat(sent.has("max_tokens")).isFalse();
    assertThat(sent.has("temperature")).isFalse();
    assertThat(sent.has("top_p")).isFalse();
    assertThat(sent.path("seed").asInt()).isEqualTo(7);
    // Behind a router prefix, and the gpt-5 family, alike.
    client().complete(request("openai/gpt-5-mini-2025-08-07", "hi"));
    assertThat(bodies.get(1).has("max_completion_tokens")).isTrue();
    assertThat(bodies.get(1).has("temperature")).isFalse();
    // Other models keep max_tokens and the sampling parameters.
    client().complete(request("gpt-4o-mini-2024-07-18", "hey"));
    assertThat(bodies.get(2).path("max_tokens").asInt()).isEqualTo(64);
    assertThat(bodies.get(2).has("temperature")).isTrue();
    assertThat(bodies.get(2).has("max_completion_tokens")).isFalse();
  }

  @Test
  void theTokenLimitNameAndSamplingParametersAreConfigurable() throws Exception {
    // Forcing max_tokens on a reasoning model gets the 400 OpenAI gives, as every row did before.
    assertThatThrownBy(() -> client("llm.token_limit_param=max_tokens").complete(request("o1-2024-12-17", "x")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("http_400");
          assertThat(e.getMessage()).contains("max_completion_tokens");
        });
    assertThatThrownBy(() -> client("llm.sampling_params=send").complete(request("o1-2024-12-17", "x")))
        .isInstanceOfSatisfying(LlmException.class, e -> assertThat(e.getMessage()).contains("'temperature'"));
    // A server that wants max_completion_tokens for any model, without sampling parameters.
    recording(r -> Reply.answer());
    client("llm.token_limit_param=max_completion_tokens", "llm.sampling_params=omit")
        .complete(request("my-finetune", "x"));
    assertThat(bodies.get(0).has("max_completion_tokens")).isTrue();
    assertThat(bodies.get(0).has("max_tokens")).isFalse();
    assertThat(bodies.get(0).has("top_p")).isFalse();
    assertThatThrownBy(() -> client("llm.token_limit_param=max_output")).hasMessageContaining("llm.token_limit_param");
  }

  @Test
  void whatIsRecordedAsSentIsTheBodyTheServerReceivedWithItsStructuredOutputMode() throws Exception {
    recording(r -> Reply.answer());
    OpenAiClient client = client();
    LlmRequest req = request("recorded");
    client.complete(req);
    WireRequest wire = client.wire(req);
    assertThat(wire.body().toString()).isEqualTo(bodies.get(0).toString());
    assertThat(wire.structuredOutput()).isEqualTo("json_schema");
    assertThat(wire.endpoint()).isEqualTo(server.openAiBaseUrl() + "/chat/completions");
    assertThat(wire.toJson().toString()).doesNotContain(KEY).doesNotContain("Bearer");

    // After the fallback, the record is the prompt-mode body that was actually sent.
    server.jsonSchemaSupported(false);
    bodies.clear();
    LlmRequest second = request("fallback");
    client.complete(second);
    WireRequest fallback = client.wire(second);
    assertThat(fallback.structuredOutput()).isEqualTo("prompt");
    assertThat(fallback.body().toString()).isEqualTo(bodies.get(bodies.size() - 1).toString());
  }

  @Test
  void nativeModeDoesNotFallBack() throws Exception {
    server.jsonSchemaSupported(false);
    OpenAiClient client = client("llm.structured_output=native");
    assertThatThrownBy(() -> client.complete(request("x")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("http_400");
          assertThat(e.kind()).isEqualTo(LlmException.Kind.REQUEST);
        });
    assertThat(server.seen()).hasSize(1);
  }

  @Test
  void promptModeNeverSendsResponseFormat() throws Exception {
    recording(r -> Reply.answer());
    client("llm.structured_output=prompt").complete(request("x"));
    assertThat(bodies.get(0).has("response_format")).isFalse();
  }

  @Test
  void aWrongKeyIsAProviderErrorAndTheEchoedKeyIsScrubbed() throws Exception {
    server.requireKey("sk-the-right-one-123456");
    assertThatThrownBy(() -> client().complete(request("x")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("http_401");
          assertThat(e.kind()).isEqualTo(LlmException.Kind.PROVIDER);
          assertThat(e.status()).isEqualTo("retryable_error");
          assertThat(e.getMessage()).contains("Incorrect API key provided").doesNotContain(KEY);
        });
  }

  @Test
  void aWrongKeyEchoedMaskedAsOpenAiDoesLeavesNoFragmentInTheError() throws Exception {
    // Not shaped like sk-...: only knowing its own key lets the client find the echo.
    String mockKey = "mock-secret-0123456789-123";
    Path keyFile = Files.writeString(dir.resolve("mock-key"), mockKey);
    server.maskEchoedKey(true);
    try {
      assertThatThrownBy(() -> client("llm.api_key_file=" + keyFile).complete(request("x")))
          .isInstanceOfSatisfying(LlmException.class, e -> {
            assertThat(e.errorClass()).isEqualTo("http_401");
            assertThat(e.getMessage()).contains("Incorrect API key provided: [redacted]")
                .doesNotContain(FakeLlmServer.masked(mockKey)).doesNotContain("mock-sec").doesNotContain("*");
          });
    } finally {
      server.maskEchoedKey(false);
    }
  }

  @Test
  void aMissingKeyVariableIsAProviderErrorNamingTheVariable() throws Exception {
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), List.of("llm.provider=openai",
        "llm.base_url=" + server.openAiBaseUrl(), "llm.api_key_env=FLYWHEEL_TEST_NO_SUCH_KEY")).config().llm();
    OpenAiClient client = new OpenAiClient(llm, Map.of());
    assertThatThrownBy(() -> client.complete(request("x")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("missing_api_key");
          assertThat(e.kind()).isEqualTo(LlmException.Kind.PROVIDER);
          assertThat(e.getMessage()).contains("FLYWHEEL_TEST_NO_SUCH_KEY");
        });
    assertThat(server.seen()).isEmpty();
  }

  @Test
  void statusCodesMapToRetryableProviderOrRequestErrors() throws Exception {
    OpenAiClient client = client();
    Map<Reply, String> cases = new java.util.LinkedHashMap<>();
    cases.put(Reply.error(429).retryAfter("2"), "http_429 TRANSIENT 2000");
    cases.put(Reply.error(429), "http_429 TRANSIENT -1");
    cases.put(Reply.error(500), "http_500 TRANSIENT -1");
    cases.put(Reply.error(502), "http_502 TRANSIENT -1");
    cases.put(Reply.error(503).retryAfter("1"), "http_503 TRANSIENT 1000");
    cases.put(Reply.error(504), "http_504 TRANSIENT -1");
    cases.put(Reply.error(400), "http_400 REQUEST -1");
    cases.put(Reply.error(400, "context_length_exceeded", "This model's maximum context length is 128 tokens"),
        "context_length REQUEST -1");
    cases.put(Reply.error(400, "content_filter", "The response was filtered by the content management policy"),
        "content_filter REQUEST -1");
    cases.put(Reply.error(403), "http_403 PROVIDER -1");
    cases.put(Reply.error(404, "model_not_found", "The model does not exist"), "http_404 PROVIDER -1");
    for (Map.Entry<Reply, String> c : cases.entrySet()) {
      server.script(r -> c.getKey());
      assertThatThrownBy(() -> client.complete(request("x")))
          .as("%s", c.getKey())
          .isInstanceOfSatisfying(LlmException.class, e ->
              assertThat(e.errorClass() + " " + e.kind() + " " + e.retryAfterMillis()).isEqualTo(c.getValue()));
    }
  }

  @Test
  void brokenAnswersAreTransientErrors() throws Exception {
    OpenAiClient client = client();
    Map<Reply, String> cases = new java.util.LinkedHashMap<>();
    cases.put(Reply.malformedJson(), "bad_json");
    cases.put(Reply.truncatedJson(), "bad_json");
    cases.put(Reply.emptyChoices(), "empty_choices");
    cases.put(Reply.disconnect(), "connection_error");
    cases.put(Reply.cutBody(), "connection_error");
    for (Map.Entry<Reply, String> c : cases.entrySet()) {
      server.script(r -> c.getKey());
      assertThatThrownBy(() -> client.complete(request("x")))
          .as("%s", c.getKey().kind())
          .isInstanceOfSatisfying(LlmException.class, e -> {
            assertThat(e.errorClass()).isEqualTo(c.getValue());
            assertThat(e.retryable()).isTrue();
          });
    }
  }

  @Test
  void aHungServerEndsInTheTimeoutThatApplies() throws Exception {
    // Which timeout ended the call is in its message; how long it took is the HTTP client's own
    // business and no assertion here (no wall clock in tests).
    OpenAiClient client = client();
    server.script(r -> Reply.hang());
    assertThatThrownBy(() -> client.complete(request("x")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("timeout");
          assertThat(e.getMessage()).contains("read_timeout_ms");
        });

    server.script(r -> Reply.hangMidBody());
    assertThatThrownBy(() -> client.complete(request("y")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("timeout");
          assertThat(e.getMessage()).contains("total_timeout_ms");
        });
  }

  @Test
  void finishReasonsRefusalsAndTheReportedModelComeThrough() throws Exception {
    OpenAiClient client = client();
    server.script(r -> Reply.answer().finish("length"));
    assertThat(client.complete(request("x")).finishReason()).isEqualTo(FinishReason.LENGTH);
    server.script(r -> Reply.answer().finish("content_filter"));
    LlmResponse filtered = client.complete(request("x"));
    assertThat(filtered.finishReason()).isEqualTo(FinishReason.CONTENT_FILTER);
    assertThat(filtered.content()).isEmpty();
    server.script(r -> Reply.answer().model("gpt-test-2099-12-31"));
    assertThat(client.complete(request("x")).reportedModel()).isEqualTo("gpt-test-2099-12-31");
  }

  @Test
  void refusalFieldMeansContentFilter() {
    JsonNode body = json("{\"model\":\"m\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
        + "\"refusal\":\"I can't help with that.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}");
    LlmResponse r = OpenAiClient.parse(body, request("x"), 1);
    assertThat(r.finishReason()).isEqualTo(FinishReason.CONTENT_FILTER);
    assertThat(r.usage().inputTokens()).isEqualTo(5);
  }

  @Test
  void connectionRefusedIsTransient() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    FlywheelConfig.Llm llm = ConfigLoader.load(null, Map.of(), List.of("llm.provider=openai",
        "llm.base_url=http://127.0.0.1:" + port + "/v1")).config().llm();
    assertThatThrownBy(() -> new OpenAiClient(llm, Map.of()).complete(request("x")))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.errorClass()).isEqualTo("connection_error");
          assertThat(e.retryable()).isTrue();
        });
  }

  private static JsonNode json(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
