package io.flywheel.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.ResponseSchema;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.prompt.PromptTemplate;
import io.flywheel.udfs.Hashing;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The judge's two questions as requests, and how its answers are read (docs/eval.md#the-judge-prompts):
 * the pairwise prompt (which of two responses to one input is better, reasoning first, then
 * {@code "A"}, {@code "B"} or {@code "tie"}) and the yes/no prompt of judge calibration; and the
 * judge key that identifies one question asked of one judge, under which its answer is cached.
 */
public record JudgePrompt(PromptTemplate pairwise, PromptTemplate label, DecodingParams params, String provider, String model)
    implements Serializable {
  /** Tags around the JSON block of a pairwise question (the local judge reads it). */
  public static final String COMPARISON_OPEN = "<comparison>";
  public static final String COMPARISON_CLOSE = "</comparison>";
  /** Tags around the JSON block of a yes/no question. */
  public static final String LABELING_OPEN = "<labeling>";
  public static final String LABELING_CLOSE = "</labeling>";
  /** Version of the judge key's encoding; bump it and every cached verdict is asked again. */
  static final String KEY_ENCODING = "flywheel-judge-key-v1";

  /** A pairwise answer: the reasoning, then the verdict about the responses in the order shown. */
  public static final ResponseSchema PAIRWISE_SCHEMA = new ResponseSchema("pairwise_verdict", 1,
      "{\"type\":\"object\",\"properties\":{\"reasoning\":{\"type\":\"string\"},"
          + "\"verdict\":{\"type\":\"string\",\"enum\":[\"A\",\"B\",\"tie\"]}},"
          + "\"required\":[\"reasoning\",\"verdict\"],\"additionalProperties\":false}",
      LocalJudge.class.getName());

  /** A yes/no answer: the reasoning, then the answer. */
  public static final ResponseSchema LABEL_SCHEMA = new ResponseSchema("binary_verdict", 1,
      "{\"type\":\"object\",\"properties\":{\"reasoning\":{\"type\":\"string\"},"
          + "\"answer\":{\"type\":\"string\",\"enum\":[\"yes\",\"no\"]}},"
          + "\"required\":[\"reasoning\",\"answer\"],\"additionalProperties\":false}",
      LocalJudge.class.getName());

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a judge said: its verdict ({@code A}/{@code B}/{@code tie}, or {@code yes}/{@code no}; null when none could be read) and reasoning. */
  public record Answer(String verdict, String reasoning) implements Serializable {}

  /** The prompts {@code eval.judge.prompt} and {@code eval.judge.label_prompt} name, with the judge's decoding settings and the run's model. */
  public static JudgePrompt of(FlywheelConfig config) {
    FlywheelConfig.EvalJudge j = config.eval().judge();
    PromptCatalog catalog = PromptCatalog.load(Path.of(config.summarize().promptsDir()));
    FlywheelConfig.Decoding d = j.decoding();
    return new JudgePrompt(prompt(catalog, "eval.judge.prompt", j.prompt(), config), prompt(catalog, "eval.judge.label_prompt",
        j.labelPrompt(), config), new DecodingParams(d.temperature(), d.topP(), d.maxOutputTokens(), d.seed()),
        config.llm().provider(), config.llm().model());
  }

  private static PromptTemplate prompt(PromptCatalog catalog, String key, String id, FlywheelConfig config) {
    if (!catalog.all().containsKey(id)) {
      throw new ConfigException("key '" + key + "': prompt '" + id + "' is not in the prompt catalog "
          + config.summarize().promptsDir() + " (summarize.prompts_dir; known: " + catalog.all().keySet() + ")");
    }
    return catalog.get(id);
  }

  /** The judge as the tables name it: {@code provider/model}. */
  public String judgeModel() {
    return provider + "/" + model;
  }

  /** The pairwise question about {@code first} (shown as A) and {@code second} (shown as B) for {@code input} (may be null). */
  public LlmRequest pairwiseRequest(String input, String first, String second) {
    ObjectNode block = JSON.createObjectNode();
    block.put("input", input);
    block.put("response_a", first);
    block.put("response_b", second);
    return new LlmRequest(model, pairwise.render(Map.of("comparison_json", escaped(block))), PAIRWISE_SCHEMA, params);
  }

  /** The yes/no question {@code questionText} (named {@code question}) about {@code output} for {@code input} (may be null). */
  public LlmRequest labelRequest(String input, String output, String question, String questionText) {
    ObjectNode block = JSON.createObjectNode();
    block.put("input", input);
    block.put("output", output);
    block.put("question_id", question);
    block.put("question", questionText);
    return new LlmRequest(model, label.render(Map.of("labeling_json", escaped(block))), LABEL_SCHEMA, params);
  }

  /** Escaped angle brackets keep a response's text from closing the block's tag. */
  private static String escaped(ObjectNode block) {
    return block.toString().replace("<", "\\u003c").replace(">", "\\u003e");
  }

  /**
   * Everything of a pairwise judge key but the texts: encoding, prompt id, version and template hash,
   * provider, model, decoding parameters and response schema version. The key of one question is
   * SHA-256 of this prefix and the SHA-256 of the input, the first and the second response
   * ({@link PairwiseJudge#judgeKey}): the order is part of it.
   */
  public String pairwisePrefix() {
    return prefix("pairwise", pairwise, PAIRWISE_SCHEMA);
  }

  /** The same for the yes/no question; its key adds the question's name and text. */
  public String labelPrefix() {
    return prefix("label", label, LABEL_SCHEMA);
  }

  private String prefix(String kind, PromptTemplate p, ResponseSchema schema) {
    return Hashing.sha256Parts(List.of(KEY_ENCODING, kind, p.id(), Integer.toString(p.version()), p.templateHash(), provider,
        model, params.canonical(), Integer.toString(schema.version())));
  }

  /**
   * The verdict and reasoning of a pairwise answer ({@code {"reasoning": ..., "verdict": "A"|"B"|"tie"}},
   * the object possibly in a code fence or prose); verdict null when the answer holds none that
   * {@link PairwiseVerdict#parse} reads, reasoning null when it holds none.
   */
  public static Answer parsePairwise(String content) {
    JsonNode o = object(content);
    if (o == null) {
      return new Answer(null, null);
    }
    PairwiseVerdict v = PairwiseVerdict.parse(o.path("verdict").isTextual() ? o.get("verdict").asText() : null);
    return new Answer(v == null ? null : label(v), reasoning(o));
  }

  /** The answer ({@code yes}/{@code no}, any case; true/false accepted) and reasoning of a yes/no answer; null parts as above. */
  public static Answer parseLabel(String content) {
    JsonNode o = object(content);
    if (o == null) {
      return new Answer(null, null);
    }
    JsonNode a = o.path("answer");
    String v = a.isBoolean() ? (a.asBoolean() ? "yes" : "no")
        : a.isTextual() ? switch (a.asText().strip().toLowerCase(Locale.ROOT)) {
          case "yes", "true" -> "yes";
          case "no", "false" -> "no";
          default -> null;
        } : null;
    return new Answer(v, reasoning(o));
  }

  /** How a verdict is written in the tables: {@code A}, {@code B}, {@code tie}. */
  public static String label(PairwiseVerdict v) {
    return v == PairwiseVerdict.TIE ? "tie" : v.name();
  }

  private static String reasoning(JsonNode o) {
    return o.path("reasoning").isTextual() ? o.get("reasoning").asText() : null;
  }

  private static JsonNode object(String content) {
    if (content == null || content.isBlank()) {
      return null;
    }
    JsonNode n = tree(content.strip());
    if (n == null) {
      int open = content.indexOf('{');
      int close = content.lastIndexOf('}');
      n = open >= 0 && close > open ? tree(content.substring(open, close + 1)) : null;
    }
    return n;
  }

  private static JsonNode tree(String text) {
    try {
      JsonNode n = JSON.readTree(text);
      return n != null && n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }
}
