package io.flywheel.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.guard.Grounding;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.local.LocalAnswerer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code local} provider's judge (docs/local-provider.md#the-judge). NOT a language model and no
 * judge of quality: a deterministic heuristic baseline so that eval-judge and judge-calibration run
 * offline. Pairwise: the response passing more of the fixed checks (has an output, {@code grounded}
 * numbers and names, {@code no_pii}) wins; at equal counts, the one with fewer numbers and names that
 * do not occur in the input; else a tie. Yes/no: a question about factual consistency (its name or
 * text says "consistent", "factual", "grounded" or "hallucinat...") is answered by the
 * {@code grounded} check, any other by all checks passing. Its reasoning names the counts.
 */
public final class LocalJudge implements LocalAnswerer {
  /** The fixed checks, after "has an output". */
  static final List<Criterion> CHECKS = List.of(new Criterion.Grounded("grounded", true), new Criterion.NoPii("no_pii"));
  private static final Pattern FACTUAL = Pattern.compile("consisten|factual|grounded|hallucinat");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Bounds the count of ungrounded claims of one (very long) response. */
  private static final int MAX_COUNTED = 200;

  /** Public and without arguments: the local provider creates it from the name in {@link JudgePrompt#PAIRWISE_SCHEMA}. */
  public LocalJudge() {}

  @Override
  public String answer(LlmRequest request, String userMessage, FlywheelConfig.Local settings) {
    JsonNode comparison = block(userMessage, JudgePrompt.COMPARISON_OPEN, JudgePrompt.COMPARISON_CLOSE);
    if (comparison != null) {
      return pairwise(text(comparison, "input"), text(comparison, "response_a"), text(comparison, "response_b"));
    }
    JsonNode labeling = block(userMessage, JudgePrompt.LABELING_OPEN, JudgePrompt.LABELING_CLOSE);
    if (labeling != null) {
      return label(text(labeling, "input"), text(labeling, "output"), text(labeling, "question_id"), text(labeling, "question"));
    }
    throw new LlmException("bad_request", "local provider: the judge found no " + JudgePrompt.COMPARISON_OPEN + " or "
        + JudgePrompt.LABELING_OPEN + " block in the prompt", false);
  }

  /** The local judge's answer ({@code {"reasoning", "verdict"}}) about responses {@code a} and {@code b} to {@code input}. */
  public static String pairwise(String input, String a, String b) {
    Score sa = score(a, input);
    Score sb = score(b, input);
    String verdict;
    String why;
    if (sa.passed() != sb.passed()) {
      verdict = sa.passed() > sb.passed() ? "A" : "B";
      why = (verdict.equals("A") ? "A" : "B") + " passes more checks.";
    } else if (sa.ungrounded() != sb.ungrounded()) {
      verdict = sa.ungrounded() < sb.ungrounded() ? "A" : "B";
      why = "Equal checks; " + verdict + " has fewer numbers and names that are not in the input.";
    } else {
      verdict = "tie";
      why = "Equal checks and equally grounded: a tie.";
    }
    String reasoning = "Response A " + sa.describe() + ". Response B " + sb.describe() + ". " + why;
    ObjectNode o = JSON.createObjectNode();
    o.put("reasoning", reasoning);
    o.put("verdict", verdict);
    return o.toString();
  }

  /** The local judge's answer ({@code {"reasoning", "answer"}}) to the yes/no question about {@code output}. */
  public static String label(String input, String output, String question, String questionText) {
    Score s = score(output, input);
    String about = ((question == null ? "" : question) + " " + (questionText == null ? "" : questionText)).toLowerCase(Locale.ROOT);
    boolean factual = FACTUAL.matcher(about).find();
    boolean yes = factual ? s.hasOutput() && s.failed().stream().noneMatch(f -> f.startsWith("grounded")) : s.passed() == s.of();
    String reasoning = "The output " + s.describe() + ". " + (factual
        ? "A question of factual consistency is answered by the grounded check: " + (yes ? "yes." : "no.")
        : "Any other question is answered yes only when every check passes: " + (yes ? "yes." : "no."));
    ObjectNode o = JSON.createObjectNode();
    o.put("reasoning", reasoning);
    o.put("answer", yes ? "yes" : "no");
    return o.toString();
  }

  /** How one response fared: checks passed of all, the failures with their details, and its ungrounded numbers and names. */
  record Score(boolean hasOutput, int passed, int of, List<String> failed, int ungrounded) {
    String describe() {
      return "passes " + passed + " of " + of + " checks (has_output, grounded, no_pii)"
          + (failed.isEmpty() ? "" : "; fails " + String.join("; ", failed))
          + "; " + ungrounded + " numbers and names not in the input";
    }
  }

  static Score score(String output, String input) {
    boolean has = output != null && !output.isBlank();
    int of = 1 + CHECKS.size();
    if (!has) {
      return new Score(false, 0, of, List.of("has_output: no output"), 0);
    }
    int passed = 1;
    List<String> failed = new ArrayList<>();
    for (Criterion c : CHECKS) {
      Criterion.Verdict v = c.check(output, input);
      if (v.passed()) {
        passed++;
      } else {
        failed.add(c.name() + ": " + v.detail());
      }
    }
    return new Score(true, passed, of, failed, input == null ? 0 : ungrounded(output, input));
  }

  /** How many distinct numbers and names of {@code output} do not occur in {@code input} (as {@link Grounding} checks them). */
  static int ungrounded(String output, String input) {
    int n = 0;
    String text = output;
    for (String number = Grounding.ungroundedNumber(text, input); number != null && n < MAX_COUNTED;
         number = Grounding.ungroundedNumber(text, input)) {
      n++;
      // Blank out this number wherever it stands alone, then look for the next.
      text = text.replaceAll("(?<!\\d)" + Pattern.quote(number) + "(?!\\d|[.,]\\d)", " ");
    }
    for (String name = Grounding.ungroundedName(text, input); name != null && n < MAX_COUNTED;
         name = Grounding.ungroundedName(text, input)) {
      n++;
      // Lower case: a lower-case word is not taken for a name.
      text = text.replace(name, name.toLowerCase(Locale.ROOT));
    }
    return n;
  }

  private static JsonNode block(String message, String open, String close) {
    int o = message.indexOf(open);
    int c = message.lastIndexOf(close);
    if (o < 0 || c < o) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(message.substring(o + open.length(), c));
      return n != null && n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static String text(JsonNode block, String field) {
    JsonNode v = block.path(field);
    return v.isTextual() ? v.asText() : null;
  }
}
