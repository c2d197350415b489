package io.flywheel.llm.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.FinishReason;
import io.flywheel.llm.LlmClient;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.Message;
import io.flywheel.llm.StructuredOutput;
import io.flywheel.llm.Usage;
import io.flywheel.llm.WireRequest;
import io.flywheel.llm.http.ProviderHttp;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code anthropic} provider: the Messages API. Structured output goes through a forced tool
 * whose input schema is the response schema ({@code native}/{@code auto}), or through a response
 * prefilled with {@code {} and the schema in the instructions ({@code prompt}). The API has no
 * seed; {@code top_p} is sent only when it is not 1. One attempt per {@link #complete} call.
 */
public final class AnthropicClient implements LlmClient {
  public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  public static final String API_VERSION = "2023-06-01";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ProviderHttp http;
  private final URI endpoint;
  private final boolean viaTool;

  public AnthropicClient(FlywheelConfig.Llm llm, Map<String, String> env) {
    this.http = new ProviderHttp(llm, env);
    String base = ProviderHttp.baseUrl(llm, DEFAULT_BASE_URL);
    this.endpoint = URI.create(base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages");
    this.viaTool = !llm.structuredOutput().equals("prompt");
  }

  @Override
  public String provider() {
    return "anthropic";
  }

  @Override
  public WireRequest wire(LlmRequest request) {
    boolean tool = viaTool && request.responseSchema() != null;
    boolean prefill = !tool && request.responseSchema() != null;
    return new WireRequest(WireRequest.endpointOf(endpoint),
        tool ? "tool" : prefill ? "prefill" : "none", body(request, tool, prefill));
  }

  @Override
  public LlmResponse complete(LlmRequest request) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("anthropic-version", API_VERSION);
    if (!http.key().isEmpty()) {
      headers.put("x-api-key", http.key().value());
    }
    boolean tool = viaTool && request.responseSchema() != null;
    boolean prefill = !tool && request.responseSchema() != null;
    ProviderHttp.Answer a = http.post(endpoint, headers, body(request, tool, prefill));
    return parse(a.body(), request, prefill, a.latencyMillis());
  }

  ObjectNode body(LlmRequest request, boolean tool, boolean prefill) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", request.model());
    b.put("max_tokens", request.params().maxOutputTokens());
    StringBuilder system = new StringBuilder();
    ArrayNode messages = JSON.createArrayNode();
    for (Message m : request.messages()) {
      if (m.role() == Message.Role.SYSTEM) {
        system.append(system.length() == 0 ? "" : "\n\n").append(m.content());
      } else {
        messages.addObject().put("role", m.role() == Message.Role.USER ? "user" : "assistant").put("content", m.content());
      }
    }
    if (prefill) {
      system.append(StructuredOutput.instruction(request.responseSchema()));
      messages.addObject().put("role", "assistant").put("content", "{");
    }
    if (system.length() > 0) {
      b.put("system", system.toString().strip());
    }
    b.set("messages", messages);
    b.put("temperature", request.params().temperature());
    if (request.params().topP() != 1.0) {
      b.put("top_p", request.params().topP());
    }
    if (tool) {
      ObjectNode t = b.putArray("tools").addObject();
      t.put("name", request.responseSchema().name());
      t.put("description", "Record the answer. Call this tool exactly once with the complete answer.");
      t.set("input_schema", StructuredOutput.schemaTree(request.responseSchema()));
      b.putObject("tool_choice").put("type", "tool").put("name", request.responseSchema().name());
    }
    return b;
  }

  static LlmResponse parse(JsonNode body, LlmRequest request, boolean prefill, long latencyMillis) {
    JsonNode content = body.path("content");
    if (!content.isArray() || content.isEmpty()) {
      throw new LlmException("empty_content", "the response has no content blocks", true);
    }
    String answer = null;
    StringBuilder text = new StringBuilder();
    for (JsonNode block : content) {
      String type = block.path("type").asText("");
      if (type.equals("tool_use") && answer == null) {
        answer = block.path("input").toString();
      } else if (type.equals("text")) {
        text.append(block.path("text").asText(""));
      }
    }
    if (answer == null) {
      answer = prefill ? "{" + text : text.toString();
    }
    String stop = body.path("stop_reason").asText("");
    FinishReason finish =
        switch (stop) {
          case "end_turn", "stop_sequence", "tool_use" -> FinishReason.STOP;
          case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
          case "refusal" -> FinishReason.CONTENT_FILTER;
          default -> FinishReason.OTHER;
        };
    JsonNode usage = body.path("usage");
    int in = usage.path("input_tokens").isNumber() ? usage.get("input_tokens").asInt() : Usage.estimateTokens(request.messages());
    int out = usage.path("output_tokens").isNumber() ? usage.get("output_tokens").asInt() : Usage.estimateTokens(answer);
    String model = body.path("model").isTextual() ? body.get("model").asText() : null;
    return new LlmResponse(answer, model, finish, new Usage(in, out), latencyMillis);
  }
}
