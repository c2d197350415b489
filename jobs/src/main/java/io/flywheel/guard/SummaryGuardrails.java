package io.flywheel.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.udfs.Hashing;
import io.flywheel.udfs.LanguageDetector;
import io.flywheel.udfs.PiiRedactor;
import io.flywheel.udfs.PromptInjection;
import io.flywheel.udfs.TextNormalizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The deterministic checks a summary passes before it is stored, in order: it parses as the response
 * schema, it carries no text addressed to a model, its length is within bounds, PII is redacted, its language is the configured one, and it is
 * grounded (every number and every known brand name it mentions occurs in the source). Documented in
 * docs/guardrails.md.
 */
public final class SummaryGuardrails implements Serializable {
  /** Bump when a check changes meaning; it is part of {@link #version()} and so of the cache key. */
  static final int RULES_VERSION = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String language;
  private final int minChars;
  private final int maxChars;
  private final int maxFeatures;
  private final Set<String> knownBrands;
  private final int longestBrand;

  /**
   * @param knownBrands lower-case brand names of the catalog; a summary naming one of them that its
   *     own item does not mention is ungrounded
   */
  public SummaryGuardrails(String language, int minChars, int maxChars, int maxFeatures, Set<String> knownBrands) {
    this.language = language;
    this.minChars = minChars;
    this.maxChars = maxChars;
    this.maxFeatures = maxFeatures;
    // Brands as space-joined lower-case words, so a lookup is a set probe per word n-gram.
    java.util.HashSet<String> words = new java.util.HashSet<>();
    int longest = 1;
    for (String brand : knownBrands) {
      String w = String.join(" ", TextNormalizer.words(brand));
      if (!w.isEmpty()) {
        words.add(w);
        longest = Math.max(longest, w.split(" ").length);
      }
    }
    this.knownBrands = Set.copyOf(words);
    this.longestBrand = longest;
  }

  /** Identifies the rules and their settings (not the brand list, which moves with the catalog). */
  public String version() {
    return "g" + RULES_VERSION + "-"
        + Hashing.sha256Parts(
                List.of(
                    language,
                    Integer.toString(minChars),
                    Integer.toString(maxChars),
                    Integer.toString(maxFeatures),
                    "pii" + PiiRedactor.VERSION,
                    "lang" + LanguageDetector.VERSION,
                    "inj" + PromptInjection.VERSION))
            .substring(0, 12);
  }

  /** Checks a raw model answer against the source text the prompt was built from. */
  public GuardResult check(String answer, String source) {
    JsonNode node;
    try {
      node = JSON.readTree(answer == null ? "" : stripCodeFence(answer));
    } catch (Exception e) {
      return GuardResult.reject("schema", "answer is not JSON");
    }
    if (node == null || !node.isObject() || !node.path("summary").isTextual()) {
      return GuardResult.reject("schema", "answer has no string field 'summary'");
    }
    JsonNode featuresNode = node.path("key_features");
    if (!featuresNode.isArray()) {
      return GuardResult.reject("schema", "answer has no array field 'key_features'");
    }
    List<String> features = new ArrayList<>();
    for (JsonNode f : featuresNode) {
      if (!f.isTextual()) {
        return GuardResult.reject("schema", "key_features holds a non-string value");
      }
      if (!f.asText().isBlank()) {
        features.add(f.asText().strip());
      }
    }
    String summary = node.get("summary").asText().strip();
    String injected = injected(summary, features, source == null ? "" : source);
    if (injected != null) {
      return GuardResult.reject("injection", injected);
    }
    if (summary.length() < minChars || summary.length() > maxChars) {
      return GuardResult.reject(
          "length", "summary has " + summary.length() + " characters, allowed " + minChars + ".." + maxChars);
    }
    if (features.size() > maxFeatures) {
      return GuardResult.reject("length", features.size() + " key features, at most " + maxFeatures + " allowed");
    }
    LinkedHashSet<String> pii = new LinkedHashSet<>(PiiRedactor.kindsFound(summary));
    String redacted = PiiRedactor.redact(summary);
    List<String> cleanFeatures = new ArrayList<>();
    for (String f : features) {
      pii.addAll(PiiRedactor.kindsFound(f));
      cleanFeatures.add(PiiRedactor.redact(f));
    }
    String detected = LanguageDetector.detect(redacted);
    if (!detected.equals("und") && !detected.equals(language)) {
      return GuardResult.reject("language", "summary is in '" + detected + "', expected '" + language + "'");
    }
    String ungrounded = ungrounded(redacted, source == null ? "" : source);
    if (ungrounded != null) {
      return GuardResult.reject("grounding", ungrounded);
    }
    return new GuardResult(true, null, null, redacted, cleanFeatures, new ArrayList<>(pii));
  }

  /**
   * Why the answer carries text addressed to a model, or null: an instruction, a turn marker or a
   * role label of its own, or a repeat of an injection found in the source (docs/guardrails.md#injection).
   */
  static String injected(String summary, List<String> features, String source) {
    List<String> parts = new ArrayList<>();
    parts.add(summary);
    parts.addAll(features);
    // Once per answer, not once per part: the source's sentences that hold an injection (usually none).
    List<String> injections = PromptInjection.injectedSentences(source);
    for (String part : parts) {
      String own = PromptInjection.findInAnswer(part);
      if (own != null) {
        return "answer holds text addressed to a model: '" + clip(own) + "'";
      }
      String repeated = PromptInjection.repeatedFrom(part, injections);
      if (repeated != null) {
        return "answer repeats an injection found in the item: '" + clip(repeated) + "'";
      }
    }
    return null;
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /** The first claim of {@code summary} that {@code source} does not support, or null. */
  String ungrounded(String summary, String source) {
    String number = Grounding.ungroundedNumber(summary, source);
    if (number != null) {
      return "number " + number + " does not occur in the item";
    }
    if (knownBrands.isEmpty()) {
      return null;
    }
    List<String> summaryWords = TextNormalizer.words(summary);
    String lowerSource = " " + String.join(" ", TextNormalizer.words(source)) + " ";
    for (int i = 0; i < summaryWords.size(); i++) {
      StringBuilder gram = new StringBuilder();
      for (int n = 0; n < longestBrand && i + n < summaryWords.size(); n++) {
        if (n > 0) {
          gram.append(' ');
        }
        gram.append(summaryWords.get(i + n));
        String b = gram.toString();
        if (knownBrands.contains(b) && !lowerSource.contains(" " + b + " ")) {
          return "brand '" + b + "' does not occur in the item";
        }
      }
    }
    return null;
  }


  private static String stripCodeFence(String s) {
    String t = s.strip();
    if (t.startsWith("```")) {
      int nl = t.indexOf('\n');
      int end = t.lastIndexOf("```");
      if (nl > 0 && end > nl) {
        return t.substring(nl + 1, end);
      }
    }
    return t;
  }
}
