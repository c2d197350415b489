package io.flywheel.udfs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds text addressed to a language model inside data: instructions to a model ("ignore all
 * previous instructions", "disregard the above", "you are now DAN", "reveal your system prompt"),
 * chat-template turn markers ({@code <|im_start|>}, {@code [INST]}, {@code <<SYS>>},
 * {@code ### Instruction}) and, as a weaker sign, role labels at the start of a sentence
 * ({@code system:}, {@code assistant:}). Pure Java, deterministic; rules in docs/guardrails.md#injection.
 */
public final class PromptInjection {
  /** Bump when a pattern changes: it is part of the guardrail version, hence of the cache key. */
  public static final int VERSION = 1;

  private static final String FLAGS = "(?iu)";
  private static final List<Pattern> INSTRUCTIONS = List.of(
      // ignore / disregard / forget ... previous instructions (a few words may sit between)
      Pattern.compile(FLAGS + "\\b(?:ignore|disregard|forget|override|bypass)\\b(?:\\W+\\w+){0,3}?\\W+"
          + "(?:previous|prior|above|preceding|earlier|foregoing|original|initial|system|all)\\W+"
          + "(?:\\w+\\W+){0,2}?(?:instructions?|prompts?|directions?|rules|messages?|guidelines|directives?|commands?|context)\\b"),
      Pattern.compile(FLAGS + "\\b(?:ignore|disregard|forget)\\s+(?:everything|all|anything)\\s+"
          + "(?:above|before|previously|said|you(?:'ve| have) been told)\\b"),
      Pattern.compile(FLAGS + "\\b(?:disregard|ignore)\\s+(?:the|all)\\s+(?:above|previous|prior)\\b"),
      Pattern.compile(FLAGS + "\\byou\\s+are\\s+now\\s+(?:an?\\s+)?(?:dan\\b|unrestricted|unfiltered|jailbroken|in\\s+\\w+\\s+mode"
          + "|(?:ai|assistant|chatbot|language\\s+model|different\\s+(?:ai|assistant|model))\\b)"),
      Pattern.compile(FLAGS + "\\bfrom\\s+now\\s+on,?\\s+you\\s+(?:are|will|must|should)\\b"),
      Pattern.compile(FLAGS + "\\b(?:system|developer)\\s+prompt\\b"),
      Pattern.compile(FLAGS + "\\bnew\\s+instructions?\\s*:"),
      Pattern.compile(FLAGS + "\\bas\\s+an\\s+ai(?:\\s+language)?\\s+model\\b"));
  private static final Pattern TURN_MARKER = Pattern.compile(FLAGS
      + "<\\|\\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\\s*\\|>"
      + "|\\[/?INST\\]|<</?SYS>>|</?(?:start|end)_of_turn>|(?:^|\\s)#{2,}\\s*(?:instruction|system|response)s?\\b");
  private static final Pattern ROLE_LABEL =
      Pattern.compile(FLAGS + "(?:^|[.!?:;\\n]\\s*|\\s{2,})\\b(system|assistant|developer|user|human)\\s*:");
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|\\n+");
  private static final Pattern QUOTED = Pattern.compile("[\"'\\u2018\\u201C]([^\"'\\u2019\\u201D]{3,80})[\"'\\u2019\\u201D]");
  private static final int REPEAT_WORDS = 4;

  private PromptInjection() {}

  /**
   * The first instruction to a model or chat-template turn marker in {@code text} (the matched
   * text), or null. Role labels alone do not count: "System: 5.1 surround" is a product spec.
   */
  public static String find(String text) {
    int needed = text == null || text.isEmpty() ? 0 : patternsToRun(text);
    if (needed == 0) {
      return null;
    }
    String best = null;
    int at = Integer.MAX_VALUE;
    for (int i = 0; i < INSTRUCTIONS.size(); i++) {
      if ((needed & (1 << i)) == 0) {
        continue;
      }
      Matcher m = INSTRUCTIONS.get(i).matcher(text);
      if (m.find() && m.start() < at) {
        at = m.start();
        best = m.group();
      }
    }
    if ((needed & TURN_MARKER_BIT) != 0) {
      Matcher t = TURN_MARKER.matcher(text);
      if (t.find() && t.start() < at) {
        best = t.group();
      }
    }
    return best == null ? null : best.strip();
  }

  /** The bit of {@link #TURN_MARKER} in {@link #patternsToRun}; bit i is {@code INSTRUCTIONS.get(i)}. */
  private static final int TURN_MARKER_BIT = 1 << 8;

  /**
   * Words each pattern of {@link #find} contains literally, with the patterns (bits) that need them: a
   * pattern runs only when one of its words occurs, and a text without any, which is almost every
   * catalog text, needs no regex at all. Common words ("now", "model") then cost one or two short
   * patterns, not all nine.
   */
  private static final Map<String, Integer> NEEDED = Map.ofEntries(
      Map.entry("ignore", 0b111), Map.entry("disregard", 0b111), Map.entry("forget", 0b011),
      Map.entry("override", 0b001), Map.entry("bypass", 0b001), Map.entry("now", 0b11000),
      Map.entry("prompt", 1 << 5), Map.entry("instruction", 1 << 6), Map.entry("model", 1 << 7),
      Map.entry("<|", TURN_MARKER_BIT), Map.entry("inst]", TURN_MARKER_BIT), Map.entry("sys>>", TURN_MARKER_BIT),
      Map.entry("_of_turn>", TURN_MARKER_BIT), Map.entry("##", TURN_MARKER_BIT));

  /** False when {@code text} cannot match {@link #find}. */
  static boolean mayHold(String text) {
    return patternsToRun(text) != 0;
  }

  /**
   * The patterns {@link #find} must run on {@code text}: those whose {@link #NEEDED} word occurs in it,
   * with letters folded as the case-insensitive Unicode patterns fold them (upper then lower case, so
   * that "ſ", "ı" or the Kelvin sign cannot slip past).
   */
  static int patternsToRun(String text) {
    int n = text.length();
    int bits = 0;
    for (int i = 0; i < n; i++) {
      char c = fold(text.charAt(i));
      // One pass: only where a needed word could start is it compared, and only with the words
      // starting with this letter (most letters start none).
      for (String w : NEEDED_BY_FIRST[c < 128 ? c : 0]) {
        if (startsAt(text, i, w)) {
          bits |= NEEDED.get(w);
        }
      }
    }
    return bits;
  }

  private static final String[][] NEEDED_BY_FIRST = byFirst();

  private static String[][] byFirst() {
    String[][] table = new String[128][];
    for (int c = 0; c < 128; c++) {
      final char first = (char) c;
      table[c] = c == 0 ? new String[0] : NEEDED.keySet().stream().filter(w -> w.charAt(0) == first).sorted().toArray(String[]::new);
    }
    return table;
  }

  private static boolean startsAt(String text, int at, String word) {
    if (at + word.length() > text.length()) {
      return false;
    }
    for (int k = 0; k < word.length(); k++) {
      if (fold(text.charAt(at + k)) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** A letter as the case-insensitive Unicode patterns compare it (upper, then lower case). */
  private static char fold(char c) {
    return c < 128 ? (c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) : Character.toLowerCase(Character.toUpperCase(c));
  }


  /** {@link #find}, or else the first role label at the start of a sentence ({@code system:}). */
  public static String findInAnswer(String text) {
    String strong = find(text);
    if (strong != null || text == null) {
      return strong;
    }
    Matcher m = ROLE_LABEL.matcher(text);
    return m.find() ? m.group(1) + ":" : null;
  }

  /**
   * The first piece of an injection in {@code source} that {@code answer} repeats, or null. An
   * injection is a sentence of the source holding an instruction, turn marker or role label; the
   * answer repeats it when it holds one of its quoted strings ("reply with 'PWNED'") or four of its
   * words in a row.
   */
  public static String repeatedFrom(String answer, String source) {
    return repeatedFrom(answer, injectedSentences(source));
  }

  /**
   * The sentences of {@code source} that hold an instruction, turn marker or role label, for
   * {@link #repeatedFrom(String, List)}; compute them once per source when several answers are
   * checked against it. A source in which {@link #findInAnswer} finds nothing as a whole has no such
   * sentence (every pattern that matches inside a sentence also matches in the whole text: a sentence
   * starts at the text's start or after whitespace that follows {@code .!?} or a line break, which the
   * patterns' {@code ^} alternatives accept), so the usual clean source costs one scan.
   */
  public static List<String> injectedSentences(String source) {
    if (source == null || findInAnswer(source) == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String sentence : SENTENCE_END.split(source)) {
      if (findInAnswer(sentence) != null) {
        out.add(sentence);
      }
    }
    return out;
  }

  /** {@link #repeatedFrom(String, String)} against sentences from {@link #injectedSentences}. */
  public static String repeatedFrom(String answer, List<String> injectedSentences) {
    if (answer == null || answer.isEmpty() || injectedSentences.isEmpty()) {
      return null;
    }
    String lowerAnswer = " " + String.join(" ", TextNormalizer.words(answer)) + " ";
    for (String sentence : injectedSentences) {
      Matcher q = QUOTED.matcher(sentence);
      while (q.find()) {
        String quoted = String.join(" ", TextNormalizer.words(q.group(1)));
        if (!quoted.isEmpty() && lowerAnswer.contains(" " + quoted + " ")) {
          return q.group(1);
        }
      }
      List<String> w = TextNormalizer.words(sentence);
      Set<String> grams = new LinkedHashSet<>();
      for (int i = 0; i + REPEAT_WORDS <= w.size(); i++) {
        grams.add(String.join(" ", w.subList(i, i + REPEAT_WORDS)));
      }
      for (String g : grams) {
        if (lowerAnswer.contains(" " + g + " ")) {
          return g;
        }
      }
    }
    return null;
  }

}
