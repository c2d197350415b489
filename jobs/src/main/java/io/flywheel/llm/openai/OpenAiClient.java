package io.flywheel.llm.openai;

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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code openai} provider: the Chat Completions API at any base URL (OpenAI, vLLM, Ollama,
 * LiteLLM). Structured output goes through {@code response_format} with a strict JSON schema; in
 * {@code auto} mode a server that rejects it with a 400 naming {@code response_format} is asked
 * again, and from then on, with the schema in the instructions instead (the caller validates and
 * repairs). One attempt per {@link #complete} call: retries belong to the caller.
 */
public final class OpenAiClient implements LlmClient {
  public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ProviderHttp http;
  private final URI endpoint;
  private final String mode;
  private final AtomicBoolean schemaUnsupported = new AtomicBoolean();
  private final FlywheelConfig.Llm llm;

  public OpenAiClient(FlywheelConfig.Llm llm, Map<String, String> env) {
    this.llm = llm;
    this.http = new ProviderHttp(llm, env);
    this.endpoint = URI.create(ProviderHttp.baseUrl(llm, DEFAULT_BASE_URL) + "/chat/completions");
    this.mode = llm.structuredOutput();
  }

  @Override
  public String provider() {
    return "openai";
  }

  private boolean nativeSchema(LlmRequest request) {
    return request.responseSchema() != null
        && (mode.equals("native") || (mode.equals("auto") && !schemaUnsupported.get()));
  }

  @Override
  public WireRequest wire(LlmRequest request) {
    boolean nativeSchema = nativeSchema(request);
    return new WireRequest(WireRequest.endpointOf(endpoint),
        request.responseSchema() == null ? "none" : nativeSchema ? "json_schema" : "prompt", body(request, nativeSchema));
  }

  @Override
  public LlmResponse complete(LlmRequest request) {
    boolean nativeSchema = nativeSchema(request);
    try {
      return send(request, nativeSchema);
    } catch (LlmException e) {
      if (nativeSchema && mode.equals("auto") && e.errorClass().equals("http_400")
          && e.getMessage().toLowerCase(Locale.ROOT).contains("response_format")) {
        if (schemaUnsupported.compareAndSet(false, true)) {
          LOG.warn("{} does not accept response_format json_schema; putting the schema in the prompt from now on", endpoint);
        }
        return send(request, false);
      }
      throw e;
    }
  }

  private LlmResponse send(LlmRequest request, boolean nativeSchema) {
    Map<String, String> headers =
        http.key().isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + http.key().value());
    ProviderHttp.Answer a = http.post(endpoint, headers, body(request, nativeSchema));
    return parse(a.body(), request, a.latencyMillis());
  }

  ObjectNode body(LlmRequest request, boolean nativeSchema) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", request.model());
    ArrayNode messages = b.putArray("messages");
    boolean instructed = false;
    for (Message m : request.messages()) {
      String content = m.content();
      if (m.role() == Message.Role.SYSTEM && !nativeSchema && request.responseSchema() != null && !instructed) {
        content += StructuredOutput.instruction(request.responseSchema());
        instructed = true;
      }
      messages.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT)).put("content", content);
    }
    if (!nativeSchema && request.responseSchema() != null && !instructed) {
      messages.insertObject(0).put("role", "system").put("content", StructuredOutput.instruction(request.responseSchema()).strip());
    }
    OpenAiParams p = OpenAiParams.of(llm, request.model());
    if (p.sendSampling()) {
      b.put("temperature", request.params().temperature());
      b.put("top_p", request.params().topP());
    }
    b.put(p.tokenLimitParam(), request.params().maxOutputTokens());
    b.put("seed", request.params().seed());
    if (nativeSchema) {
      ObjectNode rf = b.putObject("response_format");
      rf.put("type", "json_schema");
      ObjectNode js = rf.putObject("json_schema");
      js.put("name", request.responseSchema().name());
      js.put("strict", true);
      js.set("schema", StructuredOutput.schemaTree(request.responseSchema()));
    }
    return b;
  }

  static LlmResponse parse(JsonNode body, LlmRequest request, long latencyMillis) {
    JsonNode choices = body.path("choices");
    if (!choices.isArray() || choices.isEmpty()) {
      throw new LlmException("empty_choices", "the response has no choices", true);
    }
    JsonNode choice = choices.get(0);
    JsonNode message = choice.path("message");
    if (!message.isObject()) {
      throw new LlmException("bad_response", "the first choice has no message", true);
    }
    String refusal = message.path("refusal").isTextual() ? message.get("refusal").asText() : null;
    String content = message.path("content").isTextual() ? message.get("content").asText() : "";
    FinishReason finish = refusal != null ? FinishReason.CONTENT_FILTER : finishReason(choice.path("finish_reason").asText(""));
    JsonNode usage = body.path("usage");
    int in = usage.path("prompt_tokens").isNumber() ? usage.get("prompt_tokens").asInt() : Usage.estimateTokens(request.messages());
    int out = usage.path("completion_tokens").isNumber() ? usage.get("completion_tokens").asInt() : Usage.estimateTokens(content);
    String model = body.path("model").isTextual() ? body.get("model").asText() : null;
    return new LlmResponse(content, model, finish, new Usage(in, out), latencyMillis);
  }

  static FinishReason finishReason(String r) {
    return switch (r) {
      case "stop" -> FinishReason.STOP;
      case "length" -> FinishReason.LENGTH;
      case "content_filter" -> FinishReason.CONTENT_FILTER;
      case "tool_calls", "function_call" -> FinishReason.TOOL_USE;
      default -> FinishReason.OTHER;
    };
  }

}
