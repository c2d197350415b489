package io.flywheel.llm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.LlmException;
import io.flywheel.run.CodeVersion;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the HTTP providers share: the transport with its timeouts, the key, a User-Agent naming this
 * client instance (process id and serial, so that a test server can count clients per executor),
 * and the reading of answers: a non-2xx status becomes the matching {@link LlmException}, a body
 * that is not JSON a transient {@code bad_json}. Error text from servers is scrubbed of keys.
 */
public final class ProviderHttp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SERIAL = new AtomicInteger();

  /** A 2xx answer's JSON body. */
  public record Answer(JsonNode body, long latencyMillis) {}

  private final JsonHttp http;
  private final ApiKey key;
  private final String userAgent;

  public ProviderHttp(FlywheelConfig.Llm llm, Map<String, String> env) {
    this.http = new JsonHttp(llm.connectTimeoutMs(), llm.readTimeoutMs(), llm.totalTimeoutMs());
    this.key = ApiKey.resolve(llm, env);
    this.userAgent =
        "flywheel/" + CodeVersion.get() + " (client " + ProcessHandle.current().pid() + "-" + SERIAL.incrementAndGet() + ")";
  }

  /** {@code llm.base_url}, or {@code otherwise} when it is empty, without a trailing slash. */
  public static String baseUrl(FlywheelConfig.Llm llm, String otherwise) {
    String base = llm.baseUrl() == null || llm.baseUrl().isEmpty() ? otherwise : llm.baseUrl();
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  public ApiKey key() {
    return key;
  }

  /** Posts {@code body} with {@code headers} (which may hold the key) plus the User-Agent. */
  public Answer post(URI uri, Map<String, String> headers, JsonNode body) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("User-Agent", userAgent);
    JsonHttp.Reply reply = http.post(uri, all, body.toString());
    JsonNode json = null;
    try {
      json = reply.body() == null || reply.body().isEmpty() ? null : JSON.readTree(reply.body());
    } catch (Exception e) {
      // handled below: an error status wins over an unreadable body
    }
    if (reply.status() / 100 != 2) {
      JsonNode error = json == null ? null : json.path("error");
      String code = error == null ? null : text(error.path("code"), text(error.path("type"), null));
      String message = error == null ? snippet(reply.body()) : text(error.path("message"), snippet(reply.body()));
      throw HttpErrors.of(reply.status(), key.scrub(code), key.scrub(message), reply.headers());
    }
    if (json == null || !json.isObject()) {
      throw new LlmException("bad_json", "HTTP " + reply.status() + " with a body that is not a JSON object", true);
    }
    return new Answer(json, reply.latencyMillis());
  }

  private static String text(JsonNode n, String otherwise) {
    return n.isTextual() && !n.asText().isEmpty() ? n.asText() : otherwise;
  }

  private static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "(no body)";
    }
    String s = body.strip().replaceAll("\\s+", " ");
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
