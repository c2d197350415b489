package io.flywheel.eval;

import io.flywheel.config.ConfigException;
import io.flywheel.llm.ResponseSchema;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A named list of {@link Criterion}s run over a table of outputs (docs/eval.md#suites). Built from
 * the config section {@code eval.suites.<name>}; every mistake is a {@link ConfigException} naming the
 * key and the file.
 */
public record AssertionSuite(String name, List<Criterion> criteria) implements Serializable {
  /** The built-in first check of every row of eval-assert: it has a non-blank output. */
  public static final String HAS_OUTPUT = "has_output";
  /** eval-assert's pass-rate row of the rows with an output that pass every criterion. */
  public static final String ALL_CRITERIA = "all_criteria";

  /** The criterion types of the config, and the keys each accepts besides {@code name} and {@code type}. */
  static final Map<String, Set<String>> TYPES = Map.of(
      "must_include", Set.of("phrases", "patterns", "any"),
      "must_not_include", Set.of("phrases", "patterns"),
      "char_count", Set.of("min", "max"),
      "word_count", Set.of("min", "max"),
      "sentence_count", Set.of("min", "max"),
      "item_count", Set.of("min", "max", "field"),
      "json_schema", Set.of("schema", "json_schema"),
      "grounded", Set.of("names"),
      "language", Set.of("code", "allow_undetermined"),
      "no_pii", Set.of());

  /** The results of {@code output} on every criterion, in order. */
  public List<Criterion.Verdict> check(String output, String input) {
    List<Criterion.Verdict> out = new ArrayList<>(criteria.size());
    for (Criterion c : criteria) {
      out.add(c.check(output, input));
    }
    return out;
  }

  /**
   * The suite {@code name} from its config node ({@code eval.suites.<name>}: a map with a
   * {@code criteria} list). {@code schemas} are the response schemas a {@code json_schema} criterion may
   * name; {@code source} is the file, for messages.
   */
  public static AssertionSuite parse(String name, Object node, Map<String, ResponseSchema> schemas, String source) {
    String key = "eval.suites." + name;
    Map<String, Object> suite = map(node, key, source);
    Object list = suite.get("criteria");
    if (!(list instanceof List<?> items) || items.isEmpty()) {
      throw error(key + ".criteria", "must be a non-empty list of criteria", source);
    }
    List<Criterion> criteria = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String at = key + ".criteria[" + i + "]";
      Criterion c = criterion(map(items.get(i), at, source), at, schemas, source);
      if (c.name().equals(HAS_OUTPUT) || c.name().equals(ALL_CRITERIA)) {
        throw error(at + ".name", "'" + c.name() + "' is a name eval-assert uses for its own rows (" + HAS_OUTPUT
            + ", " + ALL_CRITERIA + "); name this criterion otherwise", source);
      }
      if (!names.add(c.name())) {
        throw error(at + ".name", "'" + c.name() + "' is used twice in the suite", source);
      }
      criteria.add(c);
    }
    return new AssertionSuite(name, List.copyOf(criteria));
  }

  private static Criterion criterion(Map<String, Object> m, String at, Map<String, ResponseSchema> schemas, String source) {
    String type = string(m, "type", at, source, null);
    if (type == null || !TYPES.containsKey(type)) {
      throw error(at + ".type", (type == null ? "is missing" : "'" + type + "' is not a criterion type")
          + "; one of " + String.join(", ", TYPES.keySet().stream().sorted().toList()), source);
    }
    for (String k : m.keySet()) {
      if (!k.equals("name") && !k.equals("type") && !TYPES.get(type).contains(k)) {
        throw error(at + "." + k, "is not a setting of a " + type + " criterion; it takes "
            + String.join(", ", TYPES.get(type).stream().sorted().toList()), source);
      }
    }
    String name = string(m, "name", at, source, type);
    return switch (type) {
      case "must_include" -> {
        List<String> phrases = strings(m, "phrases", at, source);
        List<Pattern> patterns = patterns(m, at, source);
        requireSome(phrases, patterns, at, source);
        yield new Criterion.Includes(name, phrases, patterns, bool(m, "any", at, source, false));
      }
      case "must_not_include" -> {
        List<String> phrases = strings(m, "phrases", at, source);
        List<Pattern> patterns = patterns(m, at, source);
        requireSome(phrases, patterns, at, source);
        yield new Criterion.Excludes(name, phrases, patterns);
      }
      case "char_count", "word_count", "sentence_count", "item_count" -> {
        Integer min = integer(m, "min", at, source);
        Integer max = integer(m, "max", at, source);
        if (min == null && max == null) {
          throw error(at, "needs min, max or both", source);
        }
        if (min != null && max != null && min > max) {
          throw error(at + ".min", "is " + min + ", more than max " + max, source);
        }
        Criterion.Unit unit = switch (type) {
          case "char_count" -> Criterion.Unit.CHARS;
          case "word_count" -> Criterion.Unit.WORDS;
          case "sentence_count" -> Criterion.Unit.SENTENCES;
          default -> Criterion.Unit.ITEMS;
        };
        yield new Criterion.Count(name, unit, string(m, "field", at, source, null), min, max);
      }
      case "json_schema" -> new Criterion.MatchesSchema(name, schema(m, at, schemas, source));
      case "grounded" -> new Criterion.Grounded(name, bool(m, "names", at, source, true));
      case "language" -> {
        String code = string(m, "code", at, source, null);
        if (code == null || !code.matches("[a-z]{2}")) {
          throw error(at + ".code", "must be an ISO 639-1 code such as en", source);
        }
        yield new Criterion.Language(name, code, bool(m, "allow_undetermined", at, source, true));
      }
      default -> new Criterion.NoPii(name);
    };
  }

  private static ResponseSchema schema(Map<String, Object> m, String at, Map<String, ResponseSchema> schemas, String source) {
    String named = string(m, "schema", at, source, null);
    String inline = string(m, "json_schema", at, source, null);
    if ((named == null) == (inline == null)) {
      throw error(at, "needs exactly one of schema (one of " + String.join(", ", schemas.keySet().stream().sorted().toList())
          + ") or json_schema (the schema as JSON text)", source);
    }
    if (named != null) {
      ResponseSchema s = schemas.get(named);
      if (s == null) {
        throw error(at + ".schema", "'" + named + "' is not a known response schema; one of "
            + String.join(", ", schemas.keySet().stream().sorted().toList()), source);
      }
      return s;
    }
    try {
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(inline);
    } catch (Exception e) {
      throw error(at + ".json_schema", "is not JSON: " + e.getMessage().lines().findFirst().orElse(""), source);
    }
    return new ResponseSchema("eval_inline", 1, inline);
  }

  private static void requireSome(List<String> phrases, List<Pattern> patterns, String at, String source) {
    if (phrases.isEmpty() && patterns.isEmpty()) {
      throw error(at, "needs phrases, patterns or both", source);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String key, String source) {
    if (!(node instanceof Map<?, ?> m)) {
      throw error(key, "must be a map", source);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  private static String string(Map<String, Object> m, String k, String at, String source, String dflt) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Map || v instanceof List) {
      throw error(at + "." + k, "must be a single value", source);
    }
    return String.valueOf(v);
  }

  private static List<String> strings(Map<String, Object> m, String k, String at, String source) {
    Object v = m.get(k);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw error(at + "." + k, "must be a list", source);
    }
    List<String> out = new ArrayList<>();
    for (Object o : l) {
      if (o == null || String.valueOf(o).isBlank()) {
        throw error(at + "." + k, "holds an empty entry", source);
      }
      out.add(String.valueOf(o));
    }
    return List.copyOf(out);
  }

  private static List<Pattern> patterns(Map<String, Object> m, String at, String source) {
    List<Pattern> out = new ArrayList<>();
    for (String p : strings(m, "patterns", at, source)) {
      try {
        out.add(Pattern.compile(p));
      } catch (PatternSyntaxException e) {
        throw error(at + ".patterns", "'" + p + "' is not a regular expression: " + e.getDescription(), source);
      }
    }
    return List.copyOf(out);
  }

  private static Integer integer(Map<String, Object> m, String k, String at, String source) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (v instanceof Integer i && i >= 0) {
      return i;
    }
    throw error(at + "." + k, "must be a whole number, 0 or more (was " + v + ")", source);
  }

  private static boolean bool(Map<String, Object> m, String k, String at, String source, boolean dflt) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw error(at + "." + k, "must be true or false (was " + v + ")", source);
  }

  private static ConfigException error(String key, String problem, String source) {
    return new ConfigException(key + ": " + problem + " (in " + source + ")");
  }
}
