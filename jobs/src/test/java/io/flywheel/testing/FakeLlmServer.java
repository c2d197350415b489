package io.flywheel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.Message;
import io.flywheel.llm.local.LocalClient;
import io.flywheel.udfs.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A local server for tests and benchmarks that speaks the OpenAI Chat Completions API
 * ({@code POST /v1/chat/completions}) and the Anthropic Messages API ({@code POST /v1/messages})
 * on 127.0.0.1. It checks requests as the real APIs do (auth, required fields, schema formats),
 * answers catalog prompts with the offline extractive summarizer (so answers pass the guardrails),
 * and can be scripted per request: latency, error statuses with or without {@code Retry-After}, a
 * hang, a dropped connection, a cut or malformed body, empty choices, other finish reasons and
 * models. It can also enforce a per-minute request limit with 429s. Every request is recorded.
 */
public final class FakeLlmServer implements AutoCloseable {
  /** Which API a request used. */
  public enum Api {
    OPENAI,
    ANTHROPIC
  }

  /** A request as the script sees it. {@code attempt} counts requests for the same item, from 1. */
  public record Request(Api api, int index, int attempt, String itemKey, boolean repair, String model, JsonNode body) {}

  /** A request as the server recorded it, with the status it answered (0: no answer). */
  public record Seen(
      long arrivedNanos, long answeredNanos, Api api, String userAgent, String model, String itemKey, int attempt,
      boolean repair, int status, String reply) {}

  /** What to do with one request. Build with the static factories, refine with the withers. */
  public record Reply(
      String kind, int status, String code, String message, String retryAfter, String finish, String model,
      String content, long latencyMs) {
    public static Reply answer() {
      return new Reply("answer", 200, null, null, null, null, null, null, -1);
    }

    public static Reply error(int status) {
      return new Reply("error", status, null, null, null, null, null, null, -1);
    }

    /** An error with the provider's code (OpenAI {@code error.code}) and message. */
    public static Reply error(int status, String code, String message) {
      return new Reply("error", status, code, message, null, null, null, null, -1);
    }

    /** Answers nothing until the server closes: past any read timeout. */
    public static Reply hang() {
      return new Reply("hang", 0, null, null, null, null, null, null, -1);
    }

    /** Sends the headers and part of the body, then stalls: past any total timeout. */
    public static Reply hangMidBody() {
      return new Reply("hang_body", 200, null, null, null, null, null, null, -1);
    }

    /** Closes the connection without answering, as a reset or a crashed proxy looks to a client. */
    public static Reply disconnect() {
      return new Reply("disconnect", 0, null, null, null, null, null, null, -1);
    }

    /** Announces the full body length, sends half of it, and closes the connection. */
    public static Reply cutBody() {
      return new Reply("cut_body", 200, null, null, null, null, null, null, -1);
    }

    /** A 200 whose body is not JSON. */
    public static Reply malformedJson() {
      return new Reply("malformed", 200, null, null, null, null, null, null, -1);
    }

    /** A 200 with the first half of a valid body (and a matching Content-Length). */
    public static Reply truncatedJson() {
      return new Reply("truncated", 200, null, null, null, null, null, null, -1);
    }

    /** A 200 with {@code choices: []} (OpenAI) or {@code content: []} (Anthropic). */
    public static Reply emptyChoices() {
      return new Reply("empty", 200, null, null, null, null, null, null, -1);
    }

    public Reply retryAfter(String value) {
      return new Reply(kind, status, code, message, value, finish, model, content, latencyMs);
    }

    /** Finish reason in OpenAI's words ({@code length}, {@code content_filter}); mapped for Anthropic. */
    public Reply finish(String reason) {
      return new Reply(kind, status, code, message, retryAfter, reason, model, content, latencyMs);
    }

    public Reply model(String reported) {
      return new Reply(kind, status, code, message, retryAfter, finish, reported, content, latencyMs);
    }

    public Reply content(String text) {
      return new Reply(kind, status, code, message, retryAfter, finish, model, text, latencyMs);
    }

    public Reply latency(long ms) {
      return new Reply(kind, status, code, message, retryAfter, finish, model, content, ms);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.regex.Pattern REASONING_MODEL = java.util.regex.Pattern.compile("(o[134]|gpt-5)([-.].*)?");

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-llm");
    t.setDaemon(true);
    return t;
  });
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Seen> seen = new ArrayList<>();
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private final AtomicInteger index = new AtomicInteger();
  private volatile Function<Request, Reply> script = r -> Reply.answer();
  private volatile long latencyMs;
  private volatile String key;
  private volatile boolean jsonSchemaSupported = true;
  private volatile boolean maskEchoedKey;
  private double bucketCapacity;
  private double bucketPerNano;
  private double bucket;
  private long bucketAt;
  private boolean limitSendsRetryAfter;

  private FakeLlmServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    server.setExecutor(pool);
    server.createContext("/v1/chat/completions", ex -> handle(ex, Api.OPENAI));
    server.createContext("/v1/messages", ex -> handle(ex, Api.ANTHROPIC));
    server.start();
  }

  public static FakeLlmServer start() {
    try {
      return new FakeLlmServer();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake LLM server", e);
    }
  }

  /** {@code llm.base_url} for the {@code openai} provider. */
  public String openAiBaseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** {@code llm.base_url} for the {@code anthropic} provider. */
  public String anthropicBaseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Decides the reply to each request; the default answers every request. */
  public FakeLlmServer script(Function<Request, Reply> s) {
    this.script = s;
    return this;
  }

  /** Latency of every reply that does not set its own. */
  public FakeLlmServer latencyMs(long ms) {
    this.latencyMs = ms;
    return this;
  }

  /** Requires this key ({@code Authorization: Bearer} or {@code x-api-key}); others get a 401. */
  public FakeLlmServer requireKey(String k) {
    this.key = k;
    return this;
  }

  /**
   * When true, a wrong key is echoed masked in the 401 message, as OpenAI does
   * ({@code Incorrect API key provided: mock-sec*****123.}): first 8 and last 3 characters.
   */
  public FakeLlmServer maskEchoedKey(boolean mask) {
    this.maskEchoedKey = mask;
    return this;
  }

  /** The masked form of {@code key} that {@link #maskEchoedKey} echoes. */
  public static String masked(String key) {
    return key.length() <= 11 ? "*****" : key.substring(0, 8) + "*****" + key.substring(key.length() - 3);
  }

  /** When false, OpenAI requests with {@code response_format: json_schema} get a 400, as on older servers. */
  public FakeLlmServer jsonSchemaSupported(boolean supported) {
    this.jsonSchemaSupported = supported;
    return this;
  }

  /**
   * Enforces {@code perMinute} requests as a token bucket holding one second's worth (providers
   * enforce per-minute limits over short windows), answering 429 when it is empty.
   */
  public synchronized FakeLlmServer limitPerMinute(int perMinute, boolean sendRetryAfter) {
    bucketCapacity = Math.max(1, perMinute / 60.0);
    bucketPerNano = perMinute / 60e9;
    bucket = bucketCapacity;
    bucketAt = System.nanoTime();
    limitSendsRetryAfter = sendRetryAfter;
    return this;
  }

  public List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  /** Forgets the requests seen so far (and the attempt counts per item). */
  public void clearSeen() {
    synchronized (seen) {
      seen.clear();
    }
    attempts.clear();
  }

  public long count(int status) {
    return seen().stream().filter(s -> s.status() == status).count();
  }

  /** The key the server uses for an item: a hash of the first user message. */
  public static String itemKey(String firstUserMessage) {
    return Hashing.sha256(firstUserMessage).substring(0, 16);
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    pool.shutdownNow();
  }

  /** What is known about one request; recorded once, before its answer is written. */
  private final class Entry {
    final long arrived = System.nanoTime();
    final Api api;
    final String userAgent;
    String replyKind = "?";
    String model;
    String itemKey;
    int attempt;
    boolean repair;
    boolean recorded;

    Entry(HttpExchange ex, Api api) {
      this.api = api;
      this.userAgent = ex.getRequestHeaders().getFirst("User-Agent");
    }

    void record(int status) {
      if (!recorded) {
        recorded = true;
        synchronized (seen) {
          seen.add(new Seen(arrived, System.nanoTime(), api, userAgent, model, itemKey, attempt, repair, status, replyKind));
        }
      }
    }
  }

  private void handle(HttpExchange ex, Api api) throws IOException {
    Entry entry = new Entry(ex, api);
    int status = 0;
    try (ex) {
      if (!ex.getRequestMethod().equals("POST")) {
        status = send(ex, entry, error(api, 405, "invalid_request_error", null, "use POST"), Map.of());
        entry.replyKind = "error";
        return;
      }
      JsonNode body;
      try (InputStream in = ex.getRequestBody()) {
        body = JSON.readTree(in);
      } catch (IOException e) {
        status = send(ex, entry, error(api, 400, "invalid_request_error", null, "body is not JSON"), Map.of());
        entry.replyKind = "error";
        return;
      }
      String authProblem = authProblem(ex, api);
      if (authProblem != null) {
        status = send(ex, entry, error(api, 401, "authentication_error", "invalid_api_key", authProblem), Map.of());
        entry.replyKind = "error";
        return;
      }
      String invalid = api == Api.OPENAI ? checkOpenAi(body) : checkAnthropic(ex, body);
      if (invalid != null) {
        status = send(ex, entry, error(api, 400, "invalid_request_error", null, invalid), Map.of());
        entry.replyKind = "error";
        return;
      }
      entry.model = body.path("model").asText();
      String firstUser = firstUserMessage(body);
      entry.itemKey = itemKey(firstUser);
      entry.repair = isRepair(body);
      entry.attempt = attempts.computeIfAbsent(entry.itemKey, k -> new AtomicInteger()).incrementAndGet();
      long wait = limitWait();
      if (wait >= 0) {
        Map<String, String> h = limitSendsRetryAfter ? Map.of("Retry-After", Long.toString(Math.max(1, (wait + 999) / 1000))) : Map.of();
        status = send(ex, entry, error(api, 429, api == Api.OPENAI ? "requests" : "rate_limit_error", "rate_limit_exceeded",
            "Rate limit reached for requests per minute"), h);
        entry.replyKind = "rate_limited";
        return;
      }
      Reply reply = script.apply(new Request(api, index.incrementAndGet(), entry.attempt, entry.itemKey, entry.repair, entry.model, body));
      entry.replyKind = reply.kind();
      long delay = reply.latencyMs() >= 0 ? reply.latencyMs() : latencyMs;
      if (delay > 0 && closed.await(delay, TimeUnit.MILLISECONDS)) {
        return;
      }
      status = reply(ex, entry, reply, body, firstUser);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away (e.g. it timed out): nothing to answer
    } finally {
      entry.record(status);
    }
  }

  private int reply(HttpExchange ex, Entry entry, Reply reply, JsonNode body, String firstUser)
      throws IOException, InterruptedException {
    Api api = entry.api;
    switch (reply.kind()) {
      case "error" -> {
        Map<String, String> h = reply.retryAfter() == null ? Map.of() : Map.of("Retry-After", reply.retryAfter());
        String type = reply.status() == 429 ? (api == Api.OPENAI ? "requests" : "rate_limit_error")
            : reply.status() == 529 ? "overloaded_error"
            : reply.status() >= 500 ? (api == Api.OPENAI ? "server_error" : "api_error")
            : "invalid_request_error";
        return send(ex, entry, error(api, reply.status(), type, reply.code(),
            reply.message() == null ? "scripted error " + reply.status() : reply.message()), h);
      }
      case "hang" -> {
        entry.record(0);
        closed.await(10, TimeUnit.MINUTES);
        return 0;
      }
      case "disconnect" -> {
        return 0; // closing the exchange before any header drops the connection
      }
      default -> {
        // answers below
      }
    }
    ObjectNode answer = api == Api.OPENAI ? openAiAnswer(body, firstUser, reply) : anthropicAnswer(body, firstUser, reply);
    byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
    switch (reply.kind()) {
      case "empty" -> {
        if (api == Api.OPENAI) {
          answer.putArray("choices");
        } else {
          answer.putArray("content");
        }
        return send(ex, entry, 200, answer.toString(), Map.of());
      }
      case "malformed" -> {
        return send(ex, entry, 200, "{\"id\": \"x\", \"choices\": [ {oops this is not json", Map.of());
      }
      case "truncated" -> {
        return send(ex, entry, 200, new String(bytes, 0, bytes.length / 2, StandardCharsets.UTF_8), Map.of());
      }
      case "cut_body" -> {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        entry.record(200);
        ex.sendResponseHeaders(200, bytes.length);
        OutputStream out = ex.getResponseBody();
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        throw new IOException("cut on purpose"); // the server drops the connection
      }
      case "hang_body" -> {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        entry.record(200);
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        closed.await(10, TimeUnit.MINUTES);
        return 200;
      }
      default -> {
        return send(ex, entry, 200, answer.toString(), Map.of());
      }
    }
  }

  private ObjectNode openAiAnswer(JsonNode body, String firstUser, Reply reply) {
    boolean schema = body.path("response_format").path("type").asText("").equals("json_schema");
    String json = reply.content() != null ? reply.content()
        : modelAnswer(firstUser, body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(160)));
    String content = reply.content() != null || schema ? json : "Here is the JSON you asked for:\n```json\n" + json + "\n```";
    String finish = reply.finish() == null ? "stop" : reply.finish();
    if (finish.equals("length")) {
      content = content.substring(0, content.length() / 2);
    }
    ObjectNode a = JSON.createObjectNode();
    a.put("id", "chatcmpl-" + index.get());
    a.put("object", "chat.completion");
    a.put("created", System.currentTimeMillis() / 1000);
    a.put("model", reply.model() != null ? reply.model() : body.path("model").asText());
    ObjectNode choice = a.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    if (finish.equals("content_filter")) {
      message.putNull("content");
    } else {
      message.put("content", content);
    }
    message.putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", finish);
    ObjectNode usage = a.putObject("usage");
    int in = (body.path("messages").toString().length() + 3) / 4;
    int out = (content.length() + 3) / 4;
    usage.put("prompt_tokens", in);
    usage.put("completion_tokens", out);
    usage.put("total_tokens", in + out);
    a.put("system_fingerprint", "fp_fake");
    return a;
  }

  private ObjectNode anthropicAnswer(JsonNode body, String firstUser, Reply reply) {
    String json = reply.content() != null ? reply.content() : modelAnswer(firstUser, body.path("max_tokens").asInt(160));
    String finish = reply.finish() == null ? null : reply.finish();
    ObjectNode a = JSON.createObjectNode();
    a.put("id", "msg_" + index.get());
    a.put("type", "message");
    a.put("role", "assistant");
    a.put("model", reply.model() != null ? reply.model() : body.path("model").asText());
    ArrayNode content = a.putArray("content");
    boolean tool = body.path("tool_choice").path("type").asText("").equals("tool");
    JsonNode messages = body.path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    boolean prefilled = last.path("role").asText().equals("assistant");
    String stop;
    if ("length".equals(finish)) {
      content.addObject().put("type", "text").put("text", json.substring(0, json.length() / 2));
      stop = "max_tokens";
    } else if ("content_filter".equals(finish)) {
      stop = "refusal";
      content.addObject().put("type", "text").put("text", "");
    } else if (tool && reply.content() == null) {
      ObjectNode use = content.addObject();
      use.put("type", "tool_use");
      use.put("id", "toolu_" + index.get());
      use.put("name", body.path("tool_choice").path("name").asText());
      try {
        use.set("input", JSON.readTree(json));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      stop = "tool_use";
    } else {
      String prefix = last.path("content").asText("");
      String text = prefilled && json.startsWith(prefix) ? json.substring(prefix.length()) : json;
      content.addObject().put("type", "text").put("text", text);
      stop = "end_turn";
    }
    a.put("stop_reason", stop);
    a.putNull("stop_sequence");
    ObjectNode usage = a.putObject("usage");
    usage.put("input_tokens", (body.path("messages").toString().length() + body.path("system").asText("").length() + 3) / 4);
    usage.put("output_tokens", (json.length() + 3) / 4);
    return a;
  }

  /** What the "model" says: an extractive summary of the item in the prompt, as JSON. */
  private static String modelAnswer(String firstUser, int maxTokens) {
    if (firstUser.contains(io.flywheel.recommend.RecommendPrompt.OPEN_TAG)) {
      // A recommendation prompt: answered as the local provider would (catalog-grounded, seeded by the prompt).
      return io.flywheel.recommend.LocalRecommender.answer(firstUser, 0, 0.02);
    }
    if (firstUser.contains(LocalClient.OPEN_TAG)) {
      try {
        LlmRequest r = new LlmRequest("fake", List.of(Message.user(firstUser)), null, new DecodingParams(0, 1, maxTokens, 0));
        return new LocalClient("fake", 0).complete(r).content();
      } catch (LlmException e) {
        // fall through to the echo
      }
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("summary", "Echo: " + firstUser.substring(0, Math.min(60, firstUser.length())));
    o.putArray("key_features").add("echo");
    return o.toString();
  }

  private String authProblem(HttpExchange ex, Api api) {
    String expected = key;
    if (expected == null) {
      return null;
    }
    String given = api == Api.OPENAI
        ? stripBearer(ex.getRequestHeaders().getFirst("Authorization"))
        : ex.getRequestHeaders().getFirst("x-api-key");
    if (expected.equals(given)) {
      return null;
    }
    // By default harsher than OpenAI, which masks the middle: the whole key comes back, so clients must scrub.
    return given == null ? "You didn't provide an API key."
        : "Incorrect API key provided: " + (maskEchoedKey ? masked(given) : given)
            + ". You can find your API key at https://platform.openai.com/account/api-keys.";
  }

  private static String stripBearer(String h) {
    return h != null && h.startsWith("Bearer ") ? h.substring(7) : null;
  }

  private String checkOpenAi(JsonNode b) {
    if (!b.path("model").isTextual() || b.get("model").asText().isEmpty()) {
      return "you must provide a model parameter";
    }
    JsonNode messages = b.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      return "'messages' must be a non-empty array";
    }
    for (JsonNode m : messages) {
      if (!List.of("system", "developer", "user", "assistant").contains(m.path("role").asText())) {
        return "invalid role " + m.path("role");
      }
      if (!m.path("content").isTextual()) {
        return "message content must be a string";
      }
    }
    // As OpenAI answers for its reasoning models (o1, o3, o4-mini, gpt-5...).
    if (REASONING_MODEL.matcher(b.get("model").asText()).matches()) {
      if (b.has("max_tokens")) {
        return "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
      }
      for (String p : List.of("temperature", "top_p")) {
        if (b.has(p) && b.get(p).asDouble() != 1.0) {
          return "Unsupported value: '" + p + "' does not support " + b.get(p).asText()
              + " with this model. Only the default (1) value is supported.";
        }
      }
    }
    if (b.has("max_tokens") && (!b.get("max_tokens").isInt() || b.get("max_tokens").asInt() < 1)) {
      return "max_tokens must be a positive integer";
    }
    JsonNode rf = b.path("response_format");
    if (!rf.isMissingNode()) {
      String type = rf.path("type").asText("");
      if (type.equals("json_schema")) {
        if (!jsonSchemaSupported) {
          return "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.";
        }
        if (!rf.path("json_schema").path("name").isTextual() || !rf.path("json_schema").path("schema").isObject()) {
          return "response_format.json_schema needs a name and a schema";
        }
      } else if (!type.equals("json_object") && !type.equals("text")) {
        return "invalid response_format type '" + type + "'";
      }
    }
    return null;
  }

  private static String checkAnthropic(HttpExchange ex, JsonNode b) {
    if (ex.getRequestHeaders().getFirst("anthropic-version") == null) {
      return "anthropic-version: header is required";
    }
    if (!b.path("model").isTextual()) {
      return "model: Field required";
    }
    if (!b.path("max_tokens").isInt() || b.get("max_tokens").asInt() < 1) {
      return "max_tokens: Field required";
    }
    JsonNode messages = b.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      return "messages: at least one message is required";
    }
    String expect = "user";
    for (JsonNode m : messages) {
      String role = m.path("role").asText();
      if (!role.equals(expect)) {
        return "messages: roles must alternate between \"user\" and \"assistant\", starting with \"user\"";
      }
      expect = role.equals("user") ? "assistant" : "user";
    }
    if (b.has("system") && !b.get("system").isTextual()) {
      return "system: must be a string";
    }
    if (b.has("tool_choice")) {
      String name = b.path("tool_choice").path("name").asText("");
      boolean defined = false;
      for (JsonNode t : b.path("tools")) {
        defined |= t.path("name").asText().equals(name) && t.path("input_schema").isObject();
      }
      if (!defined) {
        return "tool_choice: tool '" + name + "' is not defined in tools";
      }
    }
    return null;
  }

  private static String firstUserMessage(JsonNode body) {
    for (JsonNode m : body.path("messages")) {
      if (m.path("role").asText().equals("user")) {
        return m.path("content").asText("");
      }
    }
    return "";
  }

  /** A repair: the conversation already holds an answer and a user message after it. */
  private static boolean isRepair(JsonNode body) {
    boolean sawAssistant = false;
    for (JsonNode m : body.path("messages")) {
      String role = m.path("role").asText();
      if (role.equals("assistant")) {
        sawAssistant = true;
      } else if (role.equals("user") && sawAssistant) {
        return true;
      }
    }
    return false;
  }

  /** -1 when the request may pass the limit, else the milliseconds until it could. */
  private synchronized long limitWait() {
    if (bucketCapacity == 0) {
      return -1;
    }
    long now = System.nanoTime();
    bucket = Math.min(bucketCapacity, bucket + (now - bucketAt) * bucketPerNano);
    bucketAt = now;
    if (bucket >= 1) {
      bucket -= 1;
      return -1;
    }
    return (long) Math.ceil((1 - bucket) / bucketPerNano / 1e6);
  }

  private static ObjectNode error(Api api, int status, String type, String code, String message) {
    ObjectNode o = JSON.createObjectNode();
    if (api == Api.OPENAI) {
      ObjectNode e = o.putObject("error");
      e.put("message", message);
      e.put("type", type);
      e.putNull("param");
      if (code == null) {
        e.putNull("code");
      } else {
        e.put("code", code);
      }
    } else {
      o.put("type", "error");
      ObjectNode e = o.putObject("error");
      e.put("type", code != null && status == 400 ? code : type);
      e.put("message", message);
    }
    o.put("_status", status);
    return o;
  }

  private static int send(HttpExchange ex, Entry entry, ObjectNode error, Map<String, String> headers) throws IOException {
    int status = error.remove("_status").asInt();
    return send(ex, entry, status, error.toString(), headers);
  }

  private static int send(HttpExchange ex, Entry entry, int status, String body, Map<String, String> headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    new LinkedHashMap<>(headers).forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    entry.record(status);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
    return status;
  }
}
