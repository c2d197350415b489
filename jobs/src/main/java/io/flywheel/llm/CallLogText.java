package io.flywheel.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.udfs.PiiRedactor;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Map;

/**
 * The text {@code llm_calls} keeps of a call, for every job that calls models: the request as sent
 * ({@link WireRequest}), the answer and the error message. E-mail addresses, phone and card numbers
 * are redacted with the guardrails' {@link PiiRedactor} unless {@code llm.log_raw_text} is true
 * (docs/tables.md#llm_calls).
 */
public final class CallLogText implements Serializable {
  private final boolean raw;

  public CallLogText(boolean raw) {
    this.raw = raw;
  }

  public static CallLogText of(FlywheelConfig.Llm llm) {
    return new CallLogText(llm.logRawText());
  }

  /** {@code request} as the caller's client sends it now, as JSON text with every string redacted. */
  public String request(RetryingCaller caller, LlmRequest request) {
    try {
      return request(caller.wire(request));
    } catch (RuntimeException e) {
      // A request that cannot be described is still logged: its outcome matters more.
      return null;
    }
  }

  /** {@code wire} as JSON text, every string redacted unless raw text is kept. */
  public String request(WireRequest wire) {
    ObjectNode json = wire.toJson();
    return (raw ? json : redacted(json)).toString();
  }

  /** The answer text. */
  public String response(String content) {
    return raw ? content : PiiRedactor.redact(content);
  }

  /** An error message (providers may echo the prompt in a 400). */
  public String error(String message) {
    return raw ? message : PiiRedactor.redact(message);
  }

  private static JsonNode redacted(JsonNode node) {
    if (node.isTextual()) {
      return TextNode.valueOf(PiiRedactor.redact(node.asText()));
    }
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      Iterator<Map.Entry<String, JsonNode>> it = o.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        e.setValue(redacted(e.getValue()));
      }
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = (ArrayNode) node;
      for (int i = 0; i < a.size(); i++) {
        a.set(i, redacted(a.get(i)));
      }
    }
    return node;
  }
}
