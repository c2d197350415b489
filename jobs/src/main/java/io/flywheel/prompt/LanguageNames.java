package io.flywheel.prompt;

import java.util.Locale;

/**
 * The English name of an ISO 639-1 code ({@code en} → {@code English}, {@code de} → {@code German}),
 * for prompts: a model follows "in English" more reliably than "in en".
 */
public final class LanguageNames {
  private LanguageNames() {}

  /** The English name of {@code isoCode}; the code itself when the JDK does not know it. */
  public static String english(String isoCode) {
    if (isoCode == null || isoCode.isBlank()) {
      return "";
    }
    String name = Locale.forLanguageTag(isoCode.strip()).getDisplayLanguage(Locale.ENGLISH);
    return name.isEmpty() ? isoCode.strip() : name;
  }
}
