package io.flywheel.recommend;

import io.flywheel.udfs.TextNormalizer;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks items a model suggested against the catalog: an exact item id match, else the closest catalog
 * title by normalized Levenshtein similarity of the token-sorted titles at or above a threshold, else a
 * hallucination; definitions in docs/recommend.md.
 */
public final class CatalogMatcher {
  /** Title similarity needed for a match when no id matched: tolerates a typo or two, not a different product. */
  public static final double DEFAULT_THRESHOLD = 0.85;

  /** Label of a suggestion that matches nothing in the catalog. */
  public static final String HALLUCINATION = "hallucination";

  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
  private static final Pattern COMBINING = Pattern.compile("\\p{M}+");

  /** One catalog row: its id and its title. */
  public record CatalogItem(String itemId, String title) {}

  /** How a suggestion was resolved. */
  public enum Method {
    EXACT_ID,
    TITLE,
    HALLUCINATION
  }

  /**
   * The result for one suggestion; {@code itemId} is null for a hallucination. {@code titleSimilarity}
   * is NaN for an id match, else the best similarity among catalog titles sharing a token with the
   * suggestion (0 when none does), so near misses show how far below the threshold they fell.
   */
  public record Match(String itemId, Method method, double titleSimilarity) {
    public boolean isHallucination() {
      return method == Method.HALLUCINATION;
    }

    /** The matched item id, or {@value CatalogMatcher#HALLUCINATION}. */
    public String label() {
      return isHallucination() ? HALLUCINATION : itemId;
    }
  }

  private final double threshold;
  private final Set<String> ids;
  // Title key -> smallest item id with that key (catalogs repeat titles; the choice must be stable).
  private final Map<String, String> idByTitleKey = new HashMap<>();
  private final List<String> titleKeys = new ArrayList<>();
  // Token -> positions in titleKeys: only titles sharing a token with the suggestion are compared.
  private final Map<String, List<Integer>> keysByToken = new HashMap<>();

  public CatalogMatcher(Collection<CatalogItem> catalog) {
    this(catalog, DEFAULT_THRESHOLD);
  }

  public CatalogMatcher(Collection<CatalogItem> catalog, double threshold) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in (0, 1], was " + threshold);
    }
    this.threshold = threshold;
    this.ids = new HashSet<>();
    for (CatalogItem item : catalog) {
      if (item.itemId() == null || !ids.add(item.itemId())) {
        throw new IllegalArgumentException("catalog item ids must be unique and non-null: " + item.itemId());
      }
      String key = titleKey(item.title());
      if (key.isEmpty()) {
        continue;
      }
      String previous = idByTitleKey.get(key);
      if (previous == null) {
        idByTitleKey.put(key, item.itemId());
        int position = titleKeys.size();
        titleKeys.add(key);
        for (String token : key.split(" ")) {
          keysByToken.computeIfAbsent(token, t -> new ArrayList<>()).add(position);
        }
      } else if (item.itemId().compareTo(previous) < 0) {
        idByTitleKey.put(key, item.itemId());
      }
    }
  }

  /** Resolves one suggestion; either argument may be null when the model gave only the other. */
  public Match match(String suggestedId, String suggestedTitle) {
    if (suggestedId != null && ids.contains(suggestedId.strip())) {
      return new Match(suggestedId.strip(), Method.EXACT_ID, Double.NaN);
    }
    String key = titleKey(suggestedTitle);
    if (key.isEmpty()) {
      return new Match(null, Method.HALLUCINATION, 0);
    }
    String exact = idByTitleKey.get(key);
    if (exact != null) {
      return new Match(exact, Method.TITLE, 1.0);
    }
    Set<Integer> candidates = new TreeSet<>();
    for (String token : key.split(" ")) {
      candidates.addAll(keysByToken.getOrDefault(token, List.of()));
    }
    String bestId = null;
    double best = 0;
    for (int position : candidates) {
      String other = titleKeys.get(position);
      // similarity <= 1 - |len difference| / max len: skip titles that cannot beat the best so far.
      int longer = Math.max(key.length(), other.length());
      if (1.0 - (double) Math.abs(key.length() - other.length()) / longer < best) {
        continue;
      }
      double s = similarity(key, other);
      String id = idByTitleKey.get(other);
      if (s > best || (s == best && bestId != null && id.compareTo(bestId) < 0)) {
        best = s;
        bestId = id;
      }
    }
    if (bestId != null && best >= threshold) {
      return new Match(bestId, Method.TITLE, best);
    }
    return new Match(null, Method.HALLUCINATION, best);
  }

  /**
   * The form titles are compared in: normalized text (see TextNormalizer), accents removed, lower case,
   * split on anything that is not a letter or digit, distinct tokens sorted and joined by one space.
   */
  static String titleKey(String title) {
    if (title == null) {
      return "";
    }
    String s = Normalizer.normalize(TextNormalizer.normalize(title), Normalizer.Form.NFKD);
    s = COMBINING.matcher(s).replaceAll("").toLowerCase(Locale.ROOT);
    TreeSet<String> tokens = new TreeSet<>();
    for (String token : NON_WORD.split(s)) {
      if (!token.isEmpty()) {
        tokens.add(token);
      }
    }
    return String.join(" ", tokens);
  }

  /** 1 - Levenshtein distance / length of the longer string, over code points; two empty strings give 1. */
  static double similarity(String a, String b) {
    int[] x = a.codePoints().toArray();
    int[] y = b.codePoints().toArray();
    int longer = Math.max(x.length, y.length);
    if (longer == 0) {
      return 1.0;
    }
    return 1.0 - (double) levenshtein(x, y) / longer;
  }

  private static int levenshtein(int[] x, int[] y) {
    int[] prev = new int[y.length + 1];
    int[] curr = new int[y.length + 1];
    for (int j = 0; j <= y.length; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length; i++) {
      curr[0] = i;
      for (int j = 1; j <= y.length; j++) {
        int substitution = prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
        curr[j] = Math.min(substitution, Math.min(prev[j] + 1, curr[j - 1] + 1));
      }
      int[] t = prev;
      prev = curr;
      curr = t;
    }
    return prev[y.length];
  }
}
