package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flywheel.table.Rows;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The metrics aggregated in Spark equal the pure functions of {@link RecommendationMetrics} over the
 * same hand-made lists, for all users and for each phrasing (one of them without users).
 */
class DailyMetricsIT {
  private final SparkSession spark = TestSpark.session();

  // Five items: A, B, D shoes, C hats, E unknown category; 2-D unit vectors.
  private static final String[] IDS = {"A", "B", "C", "D", "E"};
  private static final String[] CATEGORIES = {"shoes", "shoes", "hats", "shoes", ""};
  private static final float[][] VECTORS = {{1, 0}, {0.96f, 0.28f}, {0, 1}, {0.6f, 0.8f}, {0.8f, 0.6f}};

  /** One ok user of recommendation_users: the fields the metrics read. */
  private record User(String id, int phrasing, int attempts, List<String> fin, List<String> first, List<String> probe,
      int suggestions, int hallucinations) {}

  private static final List<User> USERS = List.of(
      new User("u1", 0, 1, List.of("B", "D", "E"), List.of("B", "A", "B"), List.of("B", "C"), 4, 1),
      new User("u2", 1, 2, List.of("A", "C", "D", "B"), List.of("A"), null, 5, 0),
      new User("u3", 0, 1, List.of("C", "A"), List.of("C", "D"), List.of(), 2, 0),
      // No purchases of its own left (absent from the histories) and an empty final list.
      new User("u5", 1, 3, List.of(), List.of(), null, 3, 3));
  // u4 has purchases but no ok row: its purchases still count for popularity.
  private static final Map<String, List<String>> HISTORIES = Map.of(
      "u1", List.of("A", "C", "A"), "u2", List.of("B"), "u3", List.of("D", "E"), "u4", List.of("A"));
  private static final Map<String, List<String>> PREVIOUS = Map.of("u1", List.of("B", "C"), "u2", List.of("A"));

  @Test
  void sparkAggregationEqualsThePureFunctionsPerGroup() {
    CatalogIndex index = new CatalogIndex(IDS, IDS, CATEGORIES, VECTORS, 0.85);
    Map<String, DailyMetrics.Group> groups = DailyMetrics.compute(spark, index, histories(), okUsers(), previous(), 3);

    assertThat(groups).containsOnlyKeys("all", "0", "1", "2");
    for (String g : List.of("all", "0", "1", "2")) {
      List<User> rs = USERS.stream().filter(u -> g.equals("all") || Integer.toString(u.phrasing()).equals(g)).toList();
      Map<String, Double> expected = pure(rs);
      DailyMetrics.Group got = groups.get(g);
      assertThat(got.users()).as(g).isEqualTo(rs.size());
      assertThat(got.metrics().keySet()).as(g).containsExactlyElementsOf(DailyMetrics.METRICS);
      for (String m : DailyMetrics.METRICS) {
        if (Double.isNaN(expected.get(m))) {
          assertThat(got.metrics().get(m)).as(g + " " + m).isNaN();
        } else {
          assertThat(got.metrics().get(m)).as(g + " " + m).isCloseTo(expected.get(m), within(1e-12));
        }
      }
    }
    // Hand-checked anchors: u1 [B, D, E] is dominated (2 shoes of 3; E's category is unknown), u2 [A, C, D, B]
    // too (3 shoes of 4), u3 [C, A] is not (1 of 2 is not more than half), u5 is empty and left out: 2 / 3.
    assertThat(groups.get("all").metrics().get("category_dominated_rate")).isCloseTo(2.0 / 3, within(1e-12));
    // The empty phrasing: coverage 0 of 5 items, everything else undefined.
    assertThat(groups.get("2").metrics().get("catalog_coverage")).isZero();
    assertThat(groups.get("2").metrics().get("novelty")).isNaN();
    assertThat(groups.get("all").sums().get("slots")).isEqualTo(9.0);
    assertThat(groups.get("all").sums().get("hallucinations")).isEqualTo(4.0);
  }

  /** Today's definitions, by the reference functions over maps built from the same users. */
  private static Map<String, Double> pure(List<User> rs) {
    Map<String, List<String>> lists = new HashMap<>();
    Map<String, List<String>> first = new HashMap<>();
    Map<String, List<String>> probeA = new HashMap<>();
    Map<String, List<String>> probeB = new HashMap<>();
    Map<String, List<String>> prev = new HashMap<>();
    Map<String, Integer> attempts = new HashMap<>();
    long suggestions = 0;
    long hallucinations = 0;
    for (User u : rs) {
      lists.put(u.id(), u.fin());
      first.put(u.id(), u.first());
      attempts.put(u.id(), u.attempts());
      suggestions += u.suggestions();
      hallucinations += u.hallucinations();
      if (u.probe() != null) {
        probeA.put(u.id(), u.first());
        probeB.put(u.id(), u.probe());
      }
      if (PREVIOUS.containsKey(u.id())) {
        prev.put(u.id(), PREVIOUS.get(u.id()));
      }
    }
    Map<String, Long> purchases = new HashMap<>();
    Map<String, Set<String>> historyByUser = new HashMap<>();
    HISTORIES.forEach((u, h) -> {
      historyByUser.put(u, new HashSet<>(h));
      h.forEach(i -> purchases.merge(i, 1L, Long::sum));
    });
    Map<String, float[]> vectors = new HashMap<>();
    Map<String, String> categories = new HashMap<>();
    for (int i = 0; i < IDS.length; i++) {
      vectors.put(IDS[i], VECTORS[i]);
      categories.put(IDS[i], CATEGORIES[i]);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("catalog_coverage", RecommendationMetrics.catalogCoverage(lists, Set.of(IDS)));
    m.put("distributional_coverage", RecommendationMetrics.distributionalCoverage(lists));
    m.put("novelty", RecommendationMetrics.novelty(lists, purchases, IDS.length));
    m.put("novelty_recommenders", RecommendationMetrics.noveltyUnsmoothed(lists, purchases));
    m.put("intra_list_diversity", RecommendationMetrics.intraListDiversity(lists, vectors));
    m.put("temporal_diversity", RecommendationMetrics.temporalDiversity(prev, lists));
    m.put("categories_per_list", RecommendationMetrics.categoriesPerList(lists, categories));
    m.put("category_dominated_rate", RecommendationMetrics.categoryDominatedRate(lists, categories));
    m.put("hallucination_rate", suggestions == 0 ? Double.NaN : (double) hallucinations / suggestions);
    m.put("history_repeat_rate", RecommendationMetrics.historyRepeatRate(first, historyByUser));
    m.put("duplicate_rate", RecommendationMetrics.duplicateRate(first));
    m.put("resample_rate", RecommendationMetrics.resampleRate(attempts));
    m.put("order_sensitivity", RecommendationMetrics.orderSensitivity(probeA, probeB));
    return m;
  }

  private Dataset<Row> histories() {
    List<Row> rows = new ArrayList<>();
    HISTORIES.forEach((u, h) -> rows.add(RowFactory.create(u, Rows.seq(h))));
    return spark.createDataFrame(rows, StructType.fromDDL("user_id STRING, history ARRAY<STRING>"));
  }

  private Dataset<Row> previous() {
    List<Row> rows = new ArrayList<>();
    PREVIOUS.forEach((u, l) -> rows.add(RowFactory.create(u, Rows.seq(l))));
    return spark.createDataFrame(rows, StructType.fromDDL("user_id STRING, items ARRAY<STRING>"));
  }

  private Dataset<Row> okUsers() {
    Date day = Date.valueOf("2026-11-28");
    Timestamp now = new Timestamp(0);
    List<Row> rows = new ArrayList<>();
    for (User u : USERS) {
      List<Row> items = new ArrayList<>();
      for (int r = 0; r < u.fin().size(); r++) {
        items.add(RowFactory.create(r + 1, u.fin().get(r), u.fin().get(r), 0.5, 0, 1L, Rows.seq(List.of())));
      }
      rows.add(RowFactory.create(day, u.id(), "ok", u.phrasing(), u.attempts(), Rows.seq(items), Rows.seq(u.first()),
          Rows.seq(u.probe()), u.suggestions(), u.hallucinations(), 1, 1, 0, u.attempts(), "run-1", now));
    }
    return spark.createDataFrame(rows, Table.RECOMMENDATION_USERS.schema());
  }
}
