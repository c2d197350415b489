package io.flywheel.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.Locale;

/**
 * A request as a provider receives it: the endpoint (no credentials, no query), the structured-output
 * mode the body uses, and the JSON body itself (headers, hence keys, are never part of it). This is
 * what {@code llm_calls.request} stores (docs/tables.md#llm_calls), so a call can be reviewed and
 * replayed by POSTing {@code body} to {@code endpoint}.
 *
 * @param structuredOutput {@code json_schema} (OpenAI {@code response_format}), {@code tool}
 *     (Anthropic forced tool), {@code prompt} (schema in the instructions, the fallback),
 *     {@code prefill} (Anthropic: schema in the instructions, answer prefilled with {@code {}),
 *     {@code none} (no response schema) or {@code local} (answered offline, nothing sent)
 */
public record WireRequest(String endpoint, String structuredOutput, JsonNode body) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code {"endpoint": ..., "structured_output": ..., "body": {...}}}. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("endpoint", endpoint);
    o.put("structured_output", structuredOutput);
    o.set("body", body);
    return o;
  }

  /** {@code uri} without user info, query or fragment: nothing secret is stored with the endpoint. */
  public static String endpointOf(URI uri) {
    try {
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (Exception e) {
      return uri.getScheme() + "://" + uri.getHost() + uri.getPath();
    }
  }

  /**
   * The request as an OpenAI-style chat body ({@code model}, {@code messages} with lower-case roles,
   * {@code max_tokens}, {@code temperature}, {@code top_p}, {@code seed}): what clients that send
   * nothing over HTTP record.
   */
  public static ObjectNode chatBody(LlmRequest request) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", request.model());
    ArrayNode messages = b.putArray("messages");
    for (Message m : request.messages()) {
      messages.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT)).put("content", m.content());
    }
    b.put("max_tokens", request.params().maxOutputTokens());
    b.put("temperature", request.params().temperature());
    b.put("top_p", request.params().topP());
    b.put("seed", request.params().seed());
    if (request.responseSchema() != null) {
      b.put("response_schema", request.responseSchema().name());
    }
    return b;
  }
}
