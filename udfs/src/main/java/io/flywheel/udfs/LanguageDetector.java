package io.flywheel.udfs;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A small, deterministic language identifier: writing system first (CJK, Cyrillic, Arabic...), then
 * stop-word counts for the common Latin-script languages. Good enough to tell an English summary from
 * a German one; not a general-purpose detector. Returns an ISO 639-1 code, or "und" when unsure.
 */
public final class LanguageDetector {
  /** Bump when the word lists or rules change: part of the guardrail version. */
  public static final int VERSION = 1;

  private static final Map<String, Set<String>> STOP_WORDS =
      Map.of(
          "en", Set.of("the", "and", "of", "to", "is", "with", "for", "this", "it", "in", "that", "are", "on", "you", "was", "very", "a", "an", "my", "great"),
          "es", Set.of("el", "la", "de", "que", "y", "en", "los", "las", "con", "para", "una", "es", "por", "muy", "del", "su", "este", "esta"),
          "de", Set.of("der", "die", "das", "und", "ist", "mit", "für", "nicht", "ein", "eine", "sehr", "den", "zu", "auf", "von", "sich", "auch"),
          "fr", Set.of("le", "la", "les", "et", "est", "avec", "pour", "une", "des", "du", "très", "dans", "ce", "cette", "pas", "sur", "au"),
          "it", Set.of("il", "di", "che", "e", "è", "con", "per", "una", "molto", "della", "gli", "questo", "questa", "sono", "non", "del"),
          "pt", Set.of("o", "de", "que", "e", "com", "para", "uma", "muito", "não", "do", "da", "os", "em", "este", "esta", "é"));

  private LanguageDetector() {}

  /** The most likely language of {@code text}. */
  public static String detect(String text) {
    if (text == null || text.isBlank()) {
      return "und";
    }
    int letters = 0;
    int han = 0;
    int kana = 0;
    int hangul = 0;
    int cyrillic = 0;
    int arabic = 0;
    int greek = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (!Character.isLetter(cp)) {
        continue;
      }
      letters++;
      Character.UnicodeScript script = Character.UnicodeScript.of(cp);
      switch (script) {
        case HAN -> han++;
        case HIRAGANA, KATAKANA -> kana++;
        case HANGUL -> hangul++;
        case CYRILLIC -> cyrillic++;
        case ARABIC -> arabic++;
        case GREEK -> greek++;
        default -> {}
      }
    }
    if (letters == 0) {
      return "und";
    }
    if (kana * 10 > letters) {
      return "ja";
    }
    if (hangul * 3 > letters) {
      return "ko";
    }
    if (han * 3 > letters) {
      return "zh";
    }
    if (cyrillic * 2 > letters) {
      return "ru";
    }
    if (arabic * 2 > letters) {
      return "ar";
    }
    if (greek * 2 > letters) {
      return "el";
    }
    return latinLanguage(text);
  }

  /** The languages {@link #latinLanguage} scores, in the order that breaks ties. */
  private static final String[] LATIN = {"en", "es", "de", "fr", "it", "pt"};

  /** Each stop word with the bit set of the {@link #LATIN} languages that list it. */
  private static final Map<String, Integer> STOP_WORD_LANGUAGES = stopWordLanguages();

  private static Map<String, Integer> stopWordLanguages() {
    Map<String, Integer> m = new java.util.HashMap<>();
    for (int i = 0; i < LATIN.length; i++) {
      int bit = 1 << i;
      for (String w : STOP_WORDS.get(LATIN[i])) {
        m.merge(w, bit, (a, b) -> a | b);
      }
    }
    return Map.copyOf(m);
  }

  /**
   * Stop-word counts over the words (maximal runs of letters of the lower-cased text), in one pass:
   * one map lookup per word instead of one set per language.
   */
  private static String latinLanguage(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    int[] counts = new int[LATIN.length];
    int total = 0;
    int start = -1;
    for (int i = 0; i <= lower.length(); ) {
      int cp = i < lower.length() ? lower.codePointAt(i) : -1;
      boolean letter = cp >= 0 && Character.isLetter(cp);
      if (letter && start < 0) {
        start = i;
      } else if (!letter && start >= 0) {
        total++;
        Integer langs = STOP_WORD_LANGUAGES.get(lower.substring(start, i));
        if (langs != null) {
          for (int l = 0; l < LATIN.length; l++) {
            if ((langs & (1 << l)) != 0) {
              counts[l]++;
            }
          }
        }
        start = -1;
      }
      i += cp >= 0 ? Character.charCount(cp) : 1;
    }
    String best = "und";
    int bestCount = 0;
    for (int l = 0; l < LATIN.length; l++) {
      if (counts[l] > bestCount) {
        best = LATIN[l];
        bestCount = counts[l];
      }
    }
    // Very short texts ("USB-C cable, 2 m") carry no stop words: call them undetermined.
    if (bestCount == 0 || (total >= 8 && bestCount * 20 < total)) {
      return "und";
    }
    return best;
  }
}
