package io.flywheel.guard;

import io.flywheel.udfs.TextNormalizer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the claims of a model's answer occur in the text it was given: numbers (the summary
 * guardrail's grounding check and the evaluation suites' {@code grounded} criterion share this) and
 * names (docs/guardrails.md#grounding).
 */
public final class Grounding {
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
  private static final Pattern CAPITALIZED = Pattern.compile("(?<![\\p{L}\\p{M}\\d])\\p{Lu}[\\p{L}\\p{M}'’-]*");

  private Grounding() {}

  /** The first number of {@code answer} that does not occur as a number in {@code source}, or null. */
  public static String ungroundedNumber(String answer, String source) {
    String sourceDigits = " " + source.replaceAll("[^\\d.,]+", " ") + " ";
    Matcher m = NUMBER.matcher(answer);
    while (m.find()) {
      String number = m.group().replaceAll("[.,]$", "");
      if (!occursAsNumber(sourceDigits, number)) {
        return number;
      }
    }
    return null;
  }

  /**
   * The first name of {@code answer} that {@code source} does not contain, or null. A name is a
   * capitalized word that does not start a sentence ("made by Acme"), compared case-insensitively
   * with the source's words; a heuristic: a capitalized common word mid-sentence counts as a name,
   * and a name at the start of a sentence is not checked.
   */
  public static String ungroundedName(String answer, String source) {
    Set<String> sourceWords = new HashSet<>();
    for (String w : TextNormalizer.words(source)) {
      sourceWords.add(w.toLowerCase(Locale.ROOT));
    }
    Matcher m = CAPITALIZED.matcher(answer);
    while (m.find()) {
      if (startsSentence(answer, m.start())) {
        continue;
      }
      for (String w : TextNormalizer.words(m.group())) {
        if (!sourceWords.contains(w.toLowerCase(Locale.ROOT))) {
          return m.group();
        }
      }
    }
    return null;
  }

  private static boolean startsSentence(String text, int at) {
    int i = at - 1;
    while (i >= 0 && Character.isWhitespace(text.charAt(i))) {
      if (text.charAt(i) == '\n') {
        return true;
      }
      i--;
    }
    while (i >= 0 && "\"'([“‘".indexOf(text.charAt(i)) >= 0) {
      i--;
    }
    return i < 0 || ".!?:;".indexOf(text.charAt(i)) >= 0;
  }

  /**
   * True when {@code number} starts a number of {@code sourceDigits} (numbers separated by spaces) and
   * ends where that number ends or at one of its separators: "1,299" matches "1,299.00", "12" does not
   * match "512" or "120".
   */
  private static boolean occursAsNumber(String sourceDigits, String number) {
    String needle = " " + number;
    for (int at = sourceDigits.indexOf(needle); at >= 0; at = sourceDigits.indexOf(needle, at + 1)) {
      // sourceDigits ends with a space, so the character after a match always exists.
      if (!Character.isDigit(sourceDigits.charAt(at + needle.length()))) {
        return true;
      }
    }
    return false;
  }
}
