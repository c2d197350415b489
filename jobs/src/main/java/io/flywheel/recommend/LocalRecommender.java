package io.flywheel.recommend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.embed.EmbeddingMemo;
import io.flywheel.embed.Vectors;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.local.LocalAnswerer;
import io.flywheel.udfs.Hashing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The local provider's recommender (docs/recommend.md#local-provider). NOT a language model: it
 * samples candidates, seeded by the prompt, weighted by embedding similarity to the FIRST few history
 * items in the order given (so, like an LLM, its answer depends on that order), mostly honours the
 * avoid list, and now and then repeats a purchase, repeats itself or invents a title.
 */
public final class LocalRecommender implements LocalAnswerer {
  /** How many leading history items shape the answer. */
  static final int LEADING = 3;
  /** Softmax temperature over cosine similarity. */
  static final double TEMPERATURE = 0.05;
  static final double IGNORE_AVOID = 0.1;
  static final double REPEAT_HISTORY = 0.02;
  static final double REPEAT_SELF = 0.02;
  static final double TITLE_ONLY = 0.2;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Public and without arguments: the local provider creates it from the name in {@link RecommendPrompt#SCHEMA}. */
  public LocalRecommender() {}

  @Override
  public String answer(LlmRequest request, String userMessage, FlywheelConfig.Local settings) {
    return answer(userMessage, request.params().seed(), settings.hallucinationRate());
  }

  /** The answer content ({@code {"items":[{"id","title"}]}}) to a rendered recommendation message. */
  public static String answer(String userMessage, long decodingSeed, double hallucinationRate) {
    JsonNode block = RecommendPrompt.block(userMessage);
    if (block == null) {
      throw new LlmException("bad_request", "local provider: no " + RecommendPrompt.OPEN_TAG + " block in the prompt", false);
    }
    int k = block.path("k").asInt(10);
    List<JsonNode> history = list(block.path("history"));
    List<JsonNode> candidates = list(block.path("candidates"));
    Set<String> avoid = new HashSet<>();
    for (JsonNode a : list(block.path("avoid"))) {
      avoid.add(a.path("id").asText());
    }
    SplittableRandom rnd = new SplittableRandom(seed(userMessage, decodingSeed));
    List<String> texts = new ArrayList<>();
    int lead = Math.min(LEADING, history.size());
    for (int i = 0; i < lead; i++) {
      texts.add(text(history.get(i)));
    }
    for (JsonNode c : candidates) {
      texts.add(text(c));
    }
    float[][] v = EmbeddingMemo.embedAll(texts);
    float[] profile = new float[v.length == 0 ? 0 : v[0].length];
    for (int i = 0; i < lead; i++) {
      for (int d = 0; d < profile.length; d++) {
        profile[d] += v[i][d];
      }
    }
    // Efraimidis-Spirakis keys: sampling without replacement, weight exp(cos / T).
    int n = candidates.size();
    double[] key = new double[n];
    for (int i = 0; i < n; i++) {
      double sim = lead == 0 ? 0 : Vectors.cosine(profile, v[lead + i]);
      double u = Math.max(rnd.nextDouble(), 1e-300);
      key[i] = Math.log(u) / Math.exp(sim / TEMPERATURE - 1 / TEMPERATURE);
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(key[b], key[a]));
    ObjectNode answer = JSON.createObjectNode();
    ArrayNode items = answer.putArray("items");
    List<JsonNode> given = new ArrayList<>();
    for (int idx = 0, slot = 0; slot < k && idx < n; slot++) {
      double r = rnd.nextDouble();
      JsonNode pick;
      if (r < hallucinationRate) {
        pick = invented(rnd, candidates.isEmpty() ? null : candidates.get(rnd.nextInt(n)));
      } else if (r < hallucinationRate + REPEAT_HISTORY && !history.isEmpty()) {
        pick = history.get(rnd.nextInt(history.size()));
      } else if (r < hallucinationRate + REPEAT_HISTORY + REPEAT_SELF && !given.isEmpty()) {
        pick = given.get(rnd.nextInt(given.size()));
      } else {
        pick = null;
        while (idx < n && pick == null) {
          JsonNode c = candidates.get(order[idx++]);
          if (!avoid.contains(c.path("id").asText()) || rnd.nextDouble() < IGNORE_AVOID) {
            pick = c;
          }
        }
        if (pick == null) {
          break;
        }
        given.add(pick);
      }
      ObjectNode o = items.addObject();
      boolean titleOnly = rnd.nextDouble() < TITLE_ONLY;
      o.put("id", titleOnly ? "" : pick.path("id").asText());
      o.put("title", pick.path("title").asText());
    }
    return answer.toString();
  }

  private static JsonNode invented(SplittableRandom rnd, JsonNode near) {
    ObjectNode o = JSON.createObjectNode();
    String category = near == null ? "item" : near.path("category").asText("item");
    o.put("id", "");
    o.put("title", "Imaginary " + category + " bundle edition " + (1000 + rnd.nextInt(9000)));
    return o;
  }

  private static String text(JsonNode item) {
    return EmbeddingMemo.itemKey(item.path("title").asText(), item.path("category").asText());
  }

  private static List<JsonNode> list(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      array.forEach(out::add);
    }
    return out;
  }

  private static long seed(String prompt, long decodingSeed) {
    String h = Hashing.sha256Parts(List.of("local-recommender-v1", prompt, Long.toString(decodingSeed)));
    return Long.parseUnsignedLong(h.substring(0, 16), 16);
  }
}
