package io.flywheel.recommend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.llm.Message;
import io.flywheel.llm.ResponseSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * The recommendation prompt (docs/recommend.md#prompt): an instruction phrasing, rules, and one
 * JSON block between {@code <recommend_input>} tags with the shuffled history, the candidates and
 * the recent suggestions to avoid; and the parser of the model's answer.
 */
public final class RecommendPrompt {
  public static final String OPEN_TAG = "<recommend_input>";
  public static final String CLOSE_TAG = "</recommend_input>";
  public static final String PROMPT_ID = "recommend";
  public static final int PROMPT_VERSION = 1;
  public static final ResponseSchema SCHEMA =
      new ResponseSchema(
          "recommendations",
          1,
          "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
              + "\"properties\":{\"id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"}},"
              + "\"required\":[\"id\",\"title\"],\"additionalProperties\":false}}},"
              + "\"required\":[\"items\"],\"additionalProperties\":false}",
          LocalRecommender.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One catalog item as the prompt shows it. */
  public record Item(String id, String title, String category) {}

  /** One suggestion of the answer; either field may be empty. */
  public record Suggestion(String id, String title) {}

  private RecommendPrompt() {}

  /** The messages of one request; {@code history} is already in the order the model should see. */
  public static List<Message> render(
      String phrasing, int k, List<Item> history, List<Item> candidates, List<Item> avoid) {
    ObjectNode block = JSON.createObjectNode();
    block.put("k", k);
    block.set("history", items(history));
    block.set("candidates", items(candidates));
    block.set("avoid", items(avoid));
    // Escaped angle brackets keep item text from closing the delimiter.
    String json = block.toString().replace("<", "\\u003c").replace(">", "\\u003e");
    String user =
        phrasing
            + "\nChoose exactly " + k + " different items from \"candidates\". Never suggest an item in \"history\""
            + (avoid.isEmpty() ? "" : " or in \"avoid\" (suggested to this customer recently), nor near-copies of them")
            + ". Answer with JSON {\"items\": [{\"id\": \"...\", \"title\": \"...\"}]}, best first.\n"
            + OPEN_TAG + json + CLOSE_TAG;
    return List.of(
        Message.system("You are a shopping assistant. Use only the catalog items you are given."),
        Message.user(user));
  }

  private static ArrayNode items(List<Item> items) {
    ArrayNode a = JSON.createArrayNode();
    for (Item i : items) {
      ObjectNode o = a.addObject();
      o.put("id", i.id());
      o.put("title", i.title());
      o.put("category", i.category());
    }
    return a;
  }

  /** The JSON block of a rendered user message, or null when there is none. */
  public static JsonNode block(String userMessage) {
    int open = userMessage.indexOf(OPEN_TAG);
    int close = userMessage.lastIndexOf(CLOSE_TAG);
    if (open < 0 || close < open) {
      return null;
    }
    try {
      return JSON.readTree(userMessage.substring(open + OPEN_TAG.length(), close));
    } catch (Exception e) {
      return null;
    }
  }

  /** The suggestions of an answer, in order; throws IllegalArgumentException when it is not the schema. */
  public static List<Suggestion> parse(String content) {
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (Exception e) {
      throw new IllegalArgumentException("answer is not JSON");
    }
    JsonNode items = root == null ? null : root.get("items");
    if (items == null || !items.isArray()) {
      throw new IllegalArgumentException("answer has no \"items\" array");
    }
    List<Suggestion> out = new ArrayList<>();
    for (JsonNode n : items) {
      out.add(new Suggestion(n.path("id").asText(""), n.path("title").asText("")));
    }
    return out;
  }
}
