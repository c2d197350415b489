package io.flywheel.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A cell's chart line, {@code %chart line|bar|stacked x=COL y=COL[,COL...] [series=COL] [title="..."]}
 * (docs/notebooks.md#cell-syntax): which result columns to draw, and how.
 */
public record ChartSpec(Kind kind, String x, List<String> y, String series, String title) {
  /** The chart kinds: lines over x, grouped bars per x, bars stacked per x. */
  public enum Kind { LINE, BAR, STACKED }

  private static final Set<String> KEYS = Set.of("x", "y", "series", "title");

  public ChartSpec {
    y = List.copyOf(y);
  }

  /** Parses a {@code %chart ...} line; a bad line is an {@link IllegalArgumentException} saying what is wrong. */
  public static ChartSpec parse(String line) {
    List<String> words = words(line.strip());
    if (words.isEmpty() || !words.get(0).equals("%chart")) {
      throw new IllegalArgumentException("a chart line starts with %chart, was: " + line.strip());
    }
    if (words.size() < 2 || words.get(1).contains("=")) {
      throw new IllegalArgumentException("%chart needs a kind first (line, bar or stacked): " + line.strip());
    }
    Kind kind;
    try {
      kind = Kind.valueOf(words.get(1).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("%chart kind must be line, bar or stacked, was '" + words.get(1) + "'");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String w : words.subList(2, words.size())) {
      int eq = w.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("%chart takes key=value pairs (x, y, series, title), got '" + w + "'");
      }
      String key = w.substring(0, eq);
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("%chart has no key '" + key + "' (keys: x, y, series, title)");
      }
      if (values.put(key, unquote(w.substring(eq + 1))) != null) {
        throw new IllegalArgumentException("%chart key '" + key + "' is given twice");
      }
    }
    String x = required(values, "x");
    List<String> y = new ArrayList<>();
    for (String c : required(values, "y").split(",", -1)) {
      if (c.isBlank()) {
        throw new IllegalArgumentException("%chart y= has an empty column name: " + values.get("y"));
      }
      y.add(c.strip());
    }
    String series = values.get("series");
    if (series != null && y.size() > 1) {
      throw new IllegalArgumentException("%chart takes series= or several y= columns, not both");
    }
    return new ChartSpec(kind, x, y, series == null || series.isBlank() ? null : series, values.get("title"));
  }

  private static String required(Map<String, String> values, String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("%chart needs " + key + "=COLUMN");
    }
    return v;
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
  }

  /** Splits on blanks, keeping {@code key="a quoted value"} together. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        cur.append(c);
      } else if (Character.isWhitespace(c) && !quoted) {
        if (cur.length() > 0) {
          out.add(cur.toString());
          cur.setLength(0);
        }
      } else {
        cur.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("%chart line has an unclosed quote: " + line);
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /** The title drawn: the given one, else "y by x". */
  public String displayTitle() {
    return title != null ? title : String.join(", ", y) + " by " + x + (series == null ? "" : " and " + series);
  }
}
