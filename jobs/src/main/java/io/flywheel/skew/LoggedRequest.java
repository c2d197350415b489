package io.flywheel.skew;

import static org.apache.spark.sql.functions.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.llm.local.LocalClient;
import java.io.IOException;
import org.apache.spark.sql.Column;

/**
 * Takes the item text back out of an {@code llm_calls.request}: the request is the body as sent
 * ({@code {"endpoint", "structured_output", "body": {"messages": [...]}}}, docs/tables.md#llm_calls;
 * older logs hold the serialized {@code LlmRequest} with {@code messages} at the top and upper-case
 * roles); its last user message holds the item JSON between {@code <catalog_item>} tags
 * (conf/prompts/catalog_summary.yaml), from which one field (e.g. {@code description}) is read.
 */
public final class LoggedRequest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LoggedRequest() {}

  /** The item field {@code field} of one logged request, or null when the request has none. */
  public static String itemField(String requestJson, String field) {
    if (requestJson == null) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(requestJson);
      JsonNode messages = root.path("body").has("messages") ? root.path("body").path("messages") : root.path("messages");
      String user = null;
      for (JsonNode m : messages) {
        if ("USER".equalsIgnoreCase(m.path("role").asText())) {
          user = m.path("content").asText();
        }
      }
      if (user == null) {
        return null;
      }
      int open = user.indexOf(LocalClient.OPEN_TAG);
      int close = user.lastIndexOf(LocalClient.CLOSE_TAG);
      if (open < 0 || close < open) {
        return null;
      }
      JsonNode v = JSON.readTree(user.substring(open + LocalClient.OPEN_TAG.length(), close)).get(field);
      return v == null || v.isNull() ? null : v.asText();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The same as a Spark column over the request column named {@code requestColumn} (built-in
   * functions only, no UDF): null where the request has no such item field.
   */
  public static Column itemFieldColumn(String requestColumn, String field) {
    return expr(sqlItemField(requestColumn, field));
  }

  /** {@link #itemFieldColumn} as Spark SQL text. */
  public static String sqlItemField(String requestColumn, String field) {
    if (!field.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("item field name '" + field + "' must be a plain identifier");
    }
    String user = sqlLastUserMessage(requestColumn);
    return "get_json_object(regexp_extract(" + user + ", '(?s)<catalog_item>\\\\s*(.*?)\\\\s*</catalog_item>', 1),"
        + " '$." + field + "')";
  }

  /**
   * The input a logged call was about, as Spark SQL text: the item JSON between the
   * {@code <catalog_item>} tags of the last user message (a summarize call), else that whole message
   * (a recommend call's history and catalog), else null.
   */
  public static String sqlInputText(String requestColumn) {
    String user = sqlLastUserMessage(requestColumn);
    return "coalesce(nullif(regexp_extract(" + user + ", '(?s)<catalog_item>\\s*(.*?)\\s*</catalog_item>', 1), ''), " + user + ")";
  }

  /** The content of the last user message of the logged request in {@code requestColumn}, as Spark SQL text. */
  private static String sqlLastUserMessage(String requestColumn) {
    String c = "`" + requestColumn.replace("`", "``") + "`";
    String messages = "from_json(coalesce(get_json_object(" + c + ", '$.body.messages'), get_json_object(" + c
        + ", '$.messages')), 'ARRAY<STRUCT<role: STRING, content: STRING>>')";
    return "try_element_at(filter(" + messages + ", m -> upper(m.role) = 'USER'), -1).content";
  }
}
