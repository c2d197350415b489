package io.flywheel.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.guard.Grounding;
import io.flywheel.llm.ResponseSchema;
import io.flywheel.llm.StructuredOutput;
import io.flywheel.udfs.LanguageDetector;
import io.flywheel.udfs.PiiRedactor;
import io.flywheel.udfs.TextFeatures;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One criterion of an assertion suite (docs/eval.md#criteria): a pure, deterministic check of one
 * model output against the input it was given. Built from config by {@link AssertionSuite}.
 */
public sealed interface Criterion extends Serializable {
  /** The criterion's name in its suite: the {@code criterion} column of {@code eval_assertions}. */
  String name();

  /** Whether {@code output} (for the input {@code input}, which may be null) passes, and why not. */
  Verdict check(String output, String input);

  /** A criterion's result for one row; {@code detail} says what failed (null when passed). */
  record Verdict(boolean passed, String detail) implements Serializable {
    static final Verdict PASS = new Verdict(true, null);

    static Verdict fail(String detail) {
      return new Verdict(false, detail);
    }
  }

  /**
   * The output holds the phrases (case-insensitive, whitespace runs equal) or matches the regular
   * expressions: all of them, or at least one when {@code any}.
   */
  record Includes(String name, List<String> phrases, List<Pattern> patterns, boolean any) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      List<String> missing = new ArrayList<>();
      int found = 0;
      String text = Text.folded(output);
      for (String p : phrases) {
        if (text.contains(Text.folded(p))) {
          found++;
        } else {
          missing.add("'" + p + "'");
        }
      }
      for (Pattern p : patterns) {
        if (output != null && p.matcher(output).find()) {
          found++;
        } else {
          missing.add("/" + p.pattern() + "/");
        }
      }
      boolean passed = any ? found > 0 : missing.isEmpty();
      return passed ? Verdict.PASS : Verdict.fail((any ? "none of " : "missing ") + String.join(", ", missing));
    }
  }

  /** The output holds none of the phrases (case-insensitive) and matches none of the expressions. */
  record Excludes(String name, List<String> phrases, List<Pattern> patterns) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      String text = Text.folded(output);
      for (String p : phrases) {
        if (text.contains(Text.folded(p))) {
          return Verdict.fail("holds '" + p + "'");
        }
      }
      for (Pattern p : patterns) {
        if (output != null && p.matcher(output).find()) {
          return Verdict.fail("matches /" + p.pattern() + "/");
        }
      }
      return Verdict.PASS;
    }
  }

  /** What {@link Count} counts. */
  enum Unit {
    CHARS, WORDS, SENTENCES, ITEMS;

    /** The unit's count in {@code output}, or null when it has none (items of a non-JSON output). */
    Integer of(String output, String field) {
      return switch (this) {
        case CHARS -> TextFeatures.charCount(output);
        case WORDS -> TextFeatures.wordCount(output);
        case SENTENCES -> TextFeatures.sentenceCount(output);
        case ITEMS -> Text.items(output, field);
      };
    }
  }

  /**
   * The output's characters, words, sentences (as the skew features count them, docs/skew.md) or
   * items (elements of the JSON array that is the output, or of its field {@code field}) are within
   * [{@code min}, {@code max}]; null bounds are open.
   */
  record Count(String name, Unit unit, String field, Integer min, Integer max) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      Integer n = unit.of(output == null ? "" : output, field);
      String what = unit.name().toLowerCase(Locale.ROOT) + (field == null ? "" : " of '" + field + "'");
      if (n == null) {
        return Verdict.fail("no " + what + " to count: the output is not JSON with that array");
      }
      if ((min != null && n < min) || (max != null && n > max)) {
        return Verdict.fail(n + " " + what + ", allowed " + (min == null ? "" : min) + ".." + (max == null ? "" : max));
      }
      return Verdict.PASS;
    }
  }

  /** The output is one JSON object valid against the response schema (as the providers check it). */
  record MatchesSchema(String name, ResponseSchema schema) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      StructuredOutput.Checked c = StructuredOutput.check(output, schema);
      return c.valid() ? Verdict.PASS : Verdict.fail(c.problem());
    }
  }

  /**
   * Every number of the output occurs in the input (as the summary guardrail checks it), and, when
   * {@code names}, every capitalized word that does not start a sentence occurs in it too
   * ({@link Grounding}). An output without an input cannot be grounded and fails.
   */
  record Grounded(String name, boolean names) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      if (input == null) {
        return Verdict.fail("no input to check against");
      }
      String text = output == null ? "" : output;
      String number = Grounding.ungroundedNumber(text, input);
      if (number != null) {
        return Verdict.fail("number " + number + " does not occur in the input");
      }
      String name = names ? Grounding.ungroundedName(text, input) : null;
      return name == null ? Verdict.PASS : Verdict.fail("name '" + name + "' does not occur in the input");
    }
  }

  /** The output's detected language ({@link LanguageDetector}) is {@code code}; too short to tell passes when {@code allowUndetermined}. */
  record Language(String name, String code, boolean allowUndetermined) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      String detected = LanguageDetector.detect(output == null ? "" : output);
      if (detected.equals(code) || (allowUndetermined && detected.equals("und"))) {
        return Verdict.PASS;
      }
      return Verdict.fail("language '" + detected + "', expected '" + code + "'");
    }
  }

  /** The output holds no e-mail address, phone or card number ({@link PiiRedactor}). */
  record NoPii(String name) implements Criterion {
    @Override
    public Verdict check(String output, String input) {
      List<String> kinds = PiiRedactor.kindsFound(output);
      return kinds.isEmpty() ? Verdict.PASS : Verdict.fail("holds " + String.join(", ", kinds));
    }
  }

  /** Text helpers of the criteria. */
  final class Text {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Text() {}

    static String folded(String s) {
      return s == null ? "" : s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    }

    /** Elements of the JSON array {@code output} (or its field {@code field}), or null when there is none. */
    static Integer items(String output, String field) {
      try {
        JsonNode node = JSON.readTree(output.strip());
        JsonNode list = field == null ? node : node == null ? null : node.path(field);
        return list != null && list.isArray() ? list.size() : null;
      } catch (Exception e) {
        return null;
      }
    }
  }
}
