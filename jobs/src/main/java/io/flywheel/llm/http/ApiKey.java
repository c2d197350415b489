package io.flywheel.llm.http;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider key, read on the executor from the environment variable or file that the config
 * names. It is not serializable, its {@link #toString()} hides it, and {@link #scrub} removes it
 * (and anything shaped like a key) from text that is about to be stored or printed.
 */
public final class ApiKey {
  private static final Pattern KEY_LIKE = Pattern.compile("\\bsk-[A-Za-z0-9_*.\\-]{6,}");
  private static final int MAX_TEXT = 400;
  /** A word as key characters run: letters, digits, {@code - _ . *} and the ellipsis. */
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_.*\\-\u2026]+");
  private static final Pattern STARS = Pattern.compile("\\*{3,}");
  /** Shorter pieces of a key are too likely to be ordinary words to remove. */
  private static final int MIN_FRAGMENT = 6;

  private final String value;
  private final LlmException problem;

  private ApiKey(String value, LlmException problem) {
    this.value = value;
    this.problem = problem;
  }

  /** The key named by {@code llm}; when none is configured, an empty key (servers without auth). */
  public static ApiKey resolve(FlywheelConfig.Llm llm, Map<String, String> env) {
    String envName = llm.apiKeyEnv();
    String file = llm.apiKeyFile();
    if (envName != null && !envName.isEmpty()) {
      String v = env.get(envName);
      if (v == null || v.isBlank()) {
        return missing("environment variable " + envName + " (llm.api_key_env) is not set on this executor");
      }
      return new ApiKey(v.strip(), null);
    }
    if (file != null && !file.isEmpty()) {
      try {
        String v = Files.readString(Path.of(file)).strip();
        return v.isEmpty() ? missing("key file " + file + " (llm.api_key_file) is empty") : new ApiKey(v, null);
      } catch (IOException e) {
        return missing("cannot read key file " + file + " (llm.api_key_file): " + e.getClass().getSimpleName());
      }
    }
    return new ApiKey("", null);
  }

  private static ApiKey missing(String why) {
    return new ApiKey("", new LlmException("missing_api_key", why, Kind.PROVIDER));
  }

  /** The key; throws the reason (a provider error, so every row stays retryable) when it is missing. */
  public String value() {
    if (problem != null) {
      throw problem;
    }
    return value;
  }

  public boolean isEmpty() {
    return problem == null && value.isEmpty();
  }

  /**
   * {@code text} without this key or anything shaped like a key, cut to a storable length. Servers
   * echo a wrong key masked ("Incorrect API key provided: sk-proj-****abcd", "mock-sec*****123"), so
   * besides the exact key this removes every word that holds a mask (three or more {@code *}, or an
   * ellipsis next to a start or end of this key) and every word of six or more characters that
   * starts or ends this key.
   */
  public String scrub(String text) {
    if (text == null) {
      return "";
    }
    String t = value.isEmpty() ? text : text.replace(value, "[redacted]");
    t = KEY_LIKE.matcher(t).replaceAll("[redacted]");
    t = scrubFragments(t);
    return t.length() > MAX_TEXT ? t.substring(0, MAX_TEXT) + "..." : t;
  }

  private String scrubFragments(String text) {
    Matcher m = WORD.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(isFragment(m.group()) ? "[redacted]" : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private boolean isFragment(String word) {
    if (STARS.matcher(word).find()) {
      return true;
    }
    if (value.isEmpty()) {
      return false;
    }
    String bare = word.replaceAll("^[.\\-_]+|[.\\-_]+$", "");
    if (bare.length() >= MIN_FRAGMENT && (value.startsWith(bare) || value.endsWith(bare))) {
      return true;
    }
    if (word.contains("...") || word.contains("\u2026")) {
      for (String part : word.split("\\.{3,}|\u2026")) {
        if (part.length() >= 3 && (value.startsWith(part) || value.endsWith(part))) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "ApiKey[redacted]";
  }
}
