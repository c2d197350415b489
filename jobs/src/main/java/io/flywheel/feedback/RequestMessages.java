package io.flywheel.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the prompt messages out of {@code llm_calls.request} (docs/feedback.md#prompt-and-output).
 * Accepts the OpenAI Chat Completions body as sent ({@code {"model": ..., "messages": [{"role": "system",
 * "content": ...}, ...], ...}}, content as a string or as text parts), the earlier serialized
 * {@code LlmRequest} (roles in upper case) and an Anthropic-style top-level {@code system} (a string or
 * text blocks); each either bare or wrapped as {@code llm_calls.request} logs it now
 * ({@code {"endpoint": ..., "structured_output": ..., "body": {...}}}).
 */
public final class RequestMessages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestMessages() {}

  /**
   * The prompt messages, roles in lower case, in the order sent.
   *
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  public static List<ChatMessage> parse(String request) {
    if (request == null || request.isBlank()) {
      throw new IllegalArgumentException("request is empty");
    }
    JsonNode root;
    try {
      root = JSON.readTree(request);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("request is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("request is not a JSON object");
    }
    JsonNode body = root.get("body");
    if (root.get("messages") == null && body != null && body.isObject()) {
      // llm_calls.request as logged now: {"endpoint", "structured_output", "body": the body as sent}.
      root = body;
    }
    List<ChatMessage> out = new ArrayList<>();
    JsonNode system = root.get("system");
    if (system != null && system.isTextual() && !system.asText().isBlank()) {
      out.add(new ChatMessage(ChatMessage.SYSTEM, system.asText()));
    } else if (system != null && system.isArray() && !system.isEmpty()) {
      // Anthropic also takes the system prompt as a list of text blocks.
      out.add(new ChatMessage(ChatMessage.SYSTEM, content(system, -1)));
    }
    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray()) {
      throw new IllegalArgumentException("request has no messages array");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual()) {
        throw new IllegalArgumentException("request messages[" + i + "] has no role");
      }
      String r = role.asText().toLowerCase(Locale.ROOT);
      if (r.equals("developer")) {
        // OpenAI's newer name for the system role; trainers read "system".
        r = ChatMessage.SYSTEM;
      }
      if (!r.equals(ChatMessage.SYSTEM) && !r.equals(ChatMessage.USER) && !r.equals(ChatMessage.ASSISTANT)) {
        throw new IllegalArgumentException("request messages[" + i + "] has role '" + role.asText() + "'; only system, user and assistant are read");
      }
      out.add(new ChatMessage(r, content(m.get("content"), i)));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("request has no messages");
    }
    return out;
  }

  private static String content(JsonNode c, int i) {
    if (c != null && c.isTextual()) {
      return c.asText();
    }
    if (c != null && c.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : c) {
        JsonNode t = part.isTextual() ? part : part.get("text");
        if (t == null || !t.isTextual()) {
          throw new IllegalArgumentException("request messages[" + i + "] has a content part that is not text");
        }
        text.append(t.asText());
      }
      return text.toString();
    }
    throw new IllegalArgumentException("request messages[" + i + "] has no text content");
  }
}
