package io.flywheel.llm.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.FinishReason;
import io.flywheel.llm.LlmClient;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.Message;
import io.flywheel.llm.Usage;
import io.flywheel.llm.WireRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The offline {@code local} provider: no network, no key, deterministic. It is NOT a language model.
 * It reads the item JSON between {@code <catalog_item>} tags of the last user message and answers
 * with an extractive summary ({@link ExtractiveSummarizer}) in the requested response schema, so
 * that every job runs end to end on a laptop. A request whose response schema names a
 * {@link LocalAnswerer} (the recommendations job registers one) is answered by it instead. Token
 * counts are estimates (characters / 4).
 */
public final class LocalClient implements LlmClient {
  public static final String OPEN_TAG = "<catalog_item>";
  public static final String CLOSE_TAG = "</catalog_item>";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One answerer of each class per JVM, created on first use. */
  private static final ConcurrentMap<String, LocalAnswerer> ANSWERERS = new ConcurrentHashMap<>();

  private final String model;
  private final long latencyMs;
  private final FlywheelConfig.Local settings;

  public LocalClient(String model, long latencyMs) {
    this(model, latencyMs, 0.0);
  }

  /** @param hallucinationRate share of recommendation slots answered with an invented title */
  public LocalClient(String model, long latencyMs, double hallucinationRate) {
    this.model = model;
    this.latencyMs = latencyMs;
    this.settings = new FlywheelConfig.Local(latencyMs, hallucinationRate);
  }

  private static LocalAnswerer answerer(String className) {
    return ANSWERERS.computeIfAbsent(className, n -> {
      try {
        return (LocalAnswerer) Class.forName(n).getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new LlmException("bad_request", "local provider: cannot create the answerer " + n + ": " + e, false);
      }
    });
  }

  @Override
  public String provider() {
    return "local";
  }

  /**
   * Nothing is sent: the record is the OpenAI-style chat body this client answered (model, messages,
   * decoding parameters, response schema name), with endpoint and mode {@code local}.
   */
  @Override
  public WireRequest wire(LlmRequest request) {
    return new WireRequest("local", "local", WireRequest.chatBody(request));
  }

  @Override
  public LlmResponse complete(LlmRequest request) {
    long start = System.nanoTime();
    String user = lastUserMessage(request.messages());
    String answererClass = request.responseSchema() == null ? null : request.responseSchema().localAnswerer();
    if (answererClass != null) {
      String content = answerer(answererClass).answer(request, user, settings);
      sleepQuietly(latencyMs);
      return new LlmResponse(content, model, FinishReason.STOP,
          new Usage(Usage.estimateTokens(request.messages()), Usage.estimateTokens(content)),
          (System.nanoTime() - start) / 1_000_000);
    }
    int open = user.indexOf(OPEN_TAG);
    int close = user.lastIndexOf(CLOSE_TAG);
    if (open < 0 || close < open) {
      throw new LlmException("bad_request", "local provider: no " + OPEN_TAG + " block in the prompt", false);
    }
    JsonNode item;
    try {
      item = JSON.readTree(user.substring(open + OPEN_TAG.length(), close));
    } catch (Exception e) {
      throw new LlmException("bad_request", "local provider: item block is not JSON", false);
    }
    List<String> fixed = new ArrayList<>();
    fixed.add(item.path("brand").asText(""));
    fixed.add(item.path("category").asText(""));
    int maxChars = Math.max(80, request.params().maxOutputTokens() * 4);
    ExtractiveSummarizer.Summary s =
        ExtractiveSummarizer.summarize(
            item.path("description").asText(""), item.path("reviews").asText(""), fixed, maxChars, 5);
    ObjectNode answer = JSON.createObjectNode();
    answer.put("summary", s.summary());
    answer.putArray("key_features").addAll(s.keyFeatures().stream().map(answer::textNode).toList());
    String content = answer.toString();
    sleepQuietly(latencyMs);
    return new LlmResponse(
        content,
        model,
        FinishReason.STOP,
        new Usage(Usage.estimateTokens(request.messages()), Usage.estimateTokens(content)),
        (System.nanoTime() - start) / 1_000_000);
  }

  private static String lastUserMessage(List<Message> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role() == Message.Role.USER) {
        return messages.get(i).content();
      }
    }
    throw new LlmException("bad_request", "local provider: no user message", false);
  }

  private static void sleepQuietly(long ms) {
    if (ms <= 0) {
      return;
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
