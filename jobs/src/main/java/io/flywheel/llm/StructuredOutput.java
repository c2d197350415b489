package io.flywheel.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Answers that must follow a {@link ResponseSchema}: the instruction for servers without native
 * structured output, the check of an answer (JSON found in the text, then validated against the
 * schema subset Flywheel uses: type, properties, required, additionalProperties, items, enum,
 * minItems, maxItems), and the one repair request sent when an answer fails the check.
 */
public final class StructuredOutput {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The answer as canonical JSON text, or why it is not acceptable. */
  public record Checked(String json, String problem) {
    public boolean valid() {
      return problem == null;
    }
  }

  private StructuredOutput() {}

  /** Appended to the system prompt when the server cannot enforce the schema itself. */
  public static String instruction(ResponseSchema schema) {
    return "\n\nAnswer with one JSON object and nothing else: no prose, no code fences. "
        + "It must match this JSON schema:\n" + schema.jsonSchema();
  }

  /** Finds the JSON object in {@code content} (bare, fenced or inside prose) and validates it. */
  public static Checked check(String content, ResponseSchema schema) {
    if (content == null || content.isBlank()) {
      return new Checked(null, "the answer is empty");
    }
    JsonNode answer = parse(content.strip());
    if (answer == null) {
      int open = content.indexOf('{');
      int close = content.lastIndexOf('}');
      answer = open >= 0 && close > open ? parse(content.substring(open, close + 1)) : null;
    }
    if (answer == null) {
      return new Checked(null, "the answer is not a JSON object");
    }
    List<String> problems = new ArrayList<>();
    validate(answer, schemaTree(schema), "$", problems);
    return problems.isEmpty() ? new Checked(answer.toString(), null) : new Checked(null, String.join("; ", problems));
  }

  /** The schema as a JSON tree, as the providers send it. */
  public static JsonNode schemaTree(ResponseSchema schema) {
    try {
      return JSON.readTree(schema.jsonSchema());
    } catch (Exception e) {
      throw new IllegalArgumentException("response schema " + schema.name() + " is not JSON", e);
    }
  }

  /** The conversation so far, the bad answer, and a request to answer again correctly. */
  public static LlmRequest repair(LlmRequest original, String badAnswer, String problem) {
    List<Message> messages = new ArrayList<>(original.messages());
    messages.add(new Message(Message.Role.ASSISTANT, badAnswer == null || badAnswer.isEmpty() ? "(empty)" : badAnswer));
    messages.add(Message.user("Your answer is not valid: " + problem + ". Answer again with only a JSON object "
        + "that matches this JSON schema:\n" + original.responseSchema().jsonSchema()));
    return new LlmRequest(original.model(), messages, original.responseSchema(), original.params());
  }

  private static JsonNode parse(String text) {
    try {
      JsonNode n = JSON.readTree(text);
      return n != null && n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static void validate(JsonNode value, JsonNode schema, String path, List<String> problems) {
    String type = schema.path("type").asText("");
    if (!type.isEmpty() && !hasType(value, type)) {
      problems.add(path + " must be " + type);
      return;
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode e : schema.get("enum")) {
        found |= e.equals(value);
      }
      if (!found) {
        problems.add(path + " must be one of " + schema.get("enum"));
      }
    }
    if (value.isObject()) {
      JsonNode props = schema.path("properties");
      for (JsonNode r : schema.path("required")) {
        if (!value.has(r.asText())) {
          problems.add(path + "." + r.asText() + " is missing");
        }
      }
      Iterator<Map.Entry<String, JsonNode>> it = value.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        if (props.has(f.getKey())) {
          validate(f.getValue(), props.get(f.getKey()), path + "." + f.getKey(), problems);
        } else if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
          problems.add(path + "." + f.getKey() + " is not allowed");
        }
      }
    }
    if (value.isArray()) {
      if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
        problems.add(path + " must have at least " + schema.get("minItems").asInt() + " items");
      }
      if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
        problems.add(path + " must have at most " + schema.get("maxItems").asInt() + " items");
      }
      if (schema.has("items")) {
        for (int i = 0; i < value.size(); i++) {
          validate(value.get(i), schema.get("items"), path + "[" + i + "]", problems);
        }
      }
    }
  }

  private static boolean hasType(JsonNode v, String type) {
    return switch (type) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber();
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      case "null" -> v.isNull();
      default -> true;
    };
  }
}
