package io.flywheel.udfs;

import java.text.Normalizer;
import java.util.regex.Pattern;

/** Normalizes free text before it is hashed or put in a prompt: no HTML, NFC, single spaces. */
public final class TextNormalizer {
  private static final Pattern TAG = Pattern.compile("<[^>]{0,200}>");
  private static final Pattern SPACE = Pattern.compile("[\\s\\u00A0]+");

  private TextNormalizer() {}

  /** The lower-cased runs of letters and digits of {@code text}, in order (what the guardrails compare). */
  public static java.util.List<String> words(String text) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String w : text.toLowerCase(java.util.Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /** Returns the normalized form of {@code text}; null and blank give the empty string. */
  public static String normalize(String text) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    String s = text;
    if (s.indexOf('<') >= 0) {
      // A tag is a word boundary: "<br>" between two words must leave a space.
      s = TAG.matcher(s).replaceAll(" ");
    }
    if (s.indexOf('&') >= 0) {
      s = decodeEntities(s);
    }
    if (!Normalizer.isNormalized(s, Normalizer.Form.NFC)) {
      s = Normalizer.normalize(s, Normalizer.Form.NFC);
    }
    return SPACE.matcher(s).replaceAll(" ").strip();
  }

  /** True when the text is null or only whitespace (including no-break spaces). */
  public static boolean isBlank(String text) {
    return text == null || SPACE.matcher(text).replaceAll("").isEmpty();
  }

  private static String decodeEntities(String s) {
    return s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
  }
}
