package io.flywheel.recommend;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Rows;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The recommendations job's daily metrics (docs/recommend.md#metrics), aggregated in Spark: each
 * user's share (sums and counts) is computed on the executors with the catalog broadcast for
 * embeddings and categories, Spark adds the shares up per phrasing, and only those sums reach the
 * driver, which takes the ratios. The values are those of the pure functions in
 * {@link RecommendationMetrics} over the same lists.
 */
public final class DailyMetrics {
  /** Every metric, in the order its rows are written. */
  public static final List<String> METRICS = List.of("catalog_coverage", "distributional_coverage", "novelty",
      "novelty_recommenders", "intra_list_diversity", "temporal_diversity", "categories_per_list",
      "category_dominated_rate", "hallucination_rate", "history_repeat_rate", "duplicate_rate", "resample_rate",
      "order_sensitivity");
  static final String ALL = "all";

  /** One user's share of every metric: sums and the counts they are divided by. */
  static final StructType SHARE = StructType.fromDDL(
      "phrasing INT, slots BIGINT, ild_sum DOUBLE, ild_lists BIGINT, temporal_sum DOUBLE, temporal_users BIGINT,"
          + " categories_sum DOUBLE, category_lists BIGINT, dominated_lists BIGINT, suggestions BIGINT,"
          + " hallucinations BIGINT, first_slots BIGINT, history_repeats BIGINT, duplicates BIGINT, resampled BIGINT,"
          + " order_sum DOUBLE, order_users BIGINT, rejected_history BIGINT, rejected_duplicate BIGINT,"
          + " rejected_recent BIGINT, items ARRAY<STRUCT<item_id: STRING, in_catalog: BOOLEAN>>");
  private static final List<String> SUMMED = List.of("slots", "ild_sum", "ild_lists", "temporal_sum", "temporal_users",
      "categories_sum", "category_lists", "dominated_lists", "suggestions", "hallucinations", "first_slots",
      "history_repeats", "duplicates", "resampled", "order_sum", "order_users", "rejected_history",
      "rejected_duplicate", "rejected_recent");

  private DailyMetrics() {}

  /** One group's figures (all users, or one phrasing): its users, the summed shares, the item-level sums. */
  record Group(long users, Map<String, Double> sums, Map<String, Double> metrics) {}

  /**
   * Computes the metrics of the run date's {@code ok} users in {@code userRows} (the date's
   * {@code recommendation_users}), per phrasing and for all, replaces the date's rows of
   * {@code recommendation_metrics} with them, and records the totals and timing in {@code log}.
   */
  public static void write(RunContext ctx, RunLog log, TableWrites writes, CatalogIndex index, Dataset<Row> histories,
      Dataset<Row> userRows) {
    long t = System.nanoTime();
    FlywheelConfig.Recommend rec = ctx.config().recommend();
    Date day = Date.valueOf(ctx.runDate());
    Dataset<Row> previous = previousLists(ctx.warehouse().readOrEmpty(Table.RECOMMENDATIONS), ctx.runDate());
    Map<String, Group> groups = compute(ctx.spark(), index, histories, userRows.where(col("status").equalTo("ok")),
        previous, rec.phrasings().size());
    String settings = String.format(Locale.ROOT,
        "shuffle=%s avoid_recent=%s mmr=%s mmr_lambda=%s overgenerate=%s max_attempts=%d k=%d candidates=%d retrieval=%s index_cells=%d max_per_category=%d",
        rec.shuffle(), rec.avoidRecent(), rec.mmr(), rec.mmrLambda(), rec.overgenerate(), rec.maxAttempts(), rec.k(),
        rec.candidates(), rec.retrieval(), index.cells(), rec.maxPerCategory());
    Timestamp now = new Timestamp(System.currentTimeMillis());
    List<Row> rows = new ArrayList<>();
    groups.forEach((g, group) -> group.metrics().forEach((name, value) -> {
      rows.add(RowFactory.create(day, ctx.runId(), g, name, value, group.users(), settings, now));
      if (g.equals(ALL)) {
        log.count("metric_" + name + "_x1e4", Double.isNaN(value) ? -1 : Math.round(value * 1e4));
      }
    }));
    writes.replaceRunDate(ctx.spark().createDataFrame(rows, Table.RECOMMENDATION_METRICS.schema()),
        Table.RECOMMENDATION_METRICS, ctx.runDate());
    Map<String, Double> all = groups.get(ALL).sums();
    log.count("recommended_slots", Math.round(all.get("slots")));
    log.count("hallucinations", Math.round(all.get("hallucinations")));
    log.count("rejected_history_repeat", Math.round(all.get("rejected_history")));
    log.count("rejected_duplicate", Math.round(all.get("rejected_duplicate")));
    log.count("rejected_too_similar_recent", Math.round(all.get("rejected_recent")));
    log.count("resampled_users", Math.round(all.get("resampled")));
    log.timed("metrics", t);
  }

  /**
   * Every metric for all of {@code okUsers} (rows of {@code recommendation_users}) and for each of the
   * {@code phrasings}, keyed {@code all}, {@code 0}, {@code 1}, ...; a group without users has its
   * metrics' empty values (NaN, or 0 for catalog coverage). {@code histories}: {@code user_id,
   * history} (every valid purchase, which also gives the purchase counts); {@code previous}:
   * {@code user_id, items} (the user's latest earlier list).
   */
  static Map<String, Group> compute(SparkSession spark, CatalogIndex index, Dataset<Row> histories,
      Dataset<Row> okUsers, Dataset<Row> previous, int phrasings) {
    Broadcast<CatalogIndex> bc = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(index);
    try {
      Dataset<Row> h = histories.select(col("user_id").as("h_user_id"), col("history"));
      Dataset<Row> p = previous.select(col("user_id").as("p_user_id"), col("items").as("previous"));
      Dataset<Row> in = okUsers
          .join(h, okUsers.col("user_id").equalTo(h.col("h_user_id")), "left")
          .join(p, okUsers.col("user_id").equalTo(p.col("p_user_id")), "left")
          .select(col("user_id"), col("phrasing"), col("attempts"),
              transform(col("items"), x -> x.getField("item_id")).as("final"), col("first_matched"),
              col("probe_matched"), col("suggestions"), col("hallucinations"), col("rejected_history"),
              col("rejected_duplicate"), col("rejected_recent"), col("history"), col("previous"));
      Dataset<Row> shares = in.mapPartitions((MapPartitionsFunction<Row, Row>) it -> shares(it, bc.value()),
          Encoders.row(SHARE)).persist();
      try {
        return aggregate(shares, histories, index.size(), phrasings);
      } finally {
        shares.unpersist();
      }
    } finally {
      bc.destroy();
    }
  }

  private static Map<String, Group> aggregate(Dataset<Row> shares, Dataset<Row> histories, int catalogSize, int phrasings) {
    Column group = explode(array(lit(ALL), col("phrasing").cast("string"))).as("g");
    List<Column> sums = new ArrayList<>();
    for (String c : SUMMED) {
      sums.add(sum(col(c)).cast("double").as(c));
    }
    Map<String, Row> userSums = new HashMap<>();
    for (Row r : shares.select(group, col("*")).groupBy("g").agg(count(lit(1)).as("users"), sums.toArray(Column[]::new))
        .collectAsList()) {
      userSums.put(r.getString(0), r);
    }

    // Item level: how often each item fills a slot in the group, against how often it was purchased.
    Dataset<Row> purchases = histories.select(explode(col("history")).as("p_item_id")).groupBy("p_item_id")
        .agg(count(lit(1)).as("n"));
    Row totalRow = purchases.agg(sum("n")).first();
    long total = totalRow.isNullAt(0) ? 0 : totalRow.getLong(0);
    Dataset<Row> counts = shares.select(group, col("items"))
        .select(col("g"), explode(col("items")).as("s"))
        .groupBy(col("g"), col("s.item_id").as("item_id"))
        .agg(count(lit(1)).as("c"), max(col("s.in_catalog")).as("in_catalog"));
    Dataset<Row> slotTotals = counts.groupBy(col("g").as("t_g")).agg(sum("c").as("t"));
    Column c = col("c").cast("double");
    Column share = c.divide(col("t"));
    Column n = coalesce(col("n"), lit(0L)).cast("double");
    Map<String, Row> itemSums = new HashMap<>();
    for (Row r : counts.join(broadcast(slotTotals), col("g").equalTo(col("t_g")))
        .join(purchases, col("item_id").equalTo(col("p_item_id")), "left")
        .groupBy("g")
        .agg(count(when(col("in_catalog"), lit(1))).as("distinct_in_catalog"),
            sum(share.multiply(log2(share)).multiply(-1)).as("entropy"),
            sum(c.multiply(log2(n.plus(1).divide(lit((double) total + catalogSize))).multiply(-1))).as("novelty_sum"),
            sum(when(n.gt(0), c.multiply(log2(n.divide(lit((double) total))).multiply(-1))).otherwise(0.0))
                .as("novelty_unsmoothed_sum"))
        .collectAsList()) {
      itemSums.put(r.getString(0), r);
    }

    Map<String, Group> out = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>();
    keys.add(ALL);
    for (int i = 0; i < phrasings; i++) {
      keys.add(Integer.toString(i));
    }
    for (String g : keys) {
      Row u = userSums.get(g);
      Row it = itemSums.get(g);
      Map<String, Double> s = new LinkedHashMap<>();
      for (String col : SUMMED) {
        s.put(col, u == null ? 0.0 : u.getDouble(u.fieldIndex(col)));
      }
      long users = u == null ? 0 : u.getLong(u.fieldIndex("users"));
      double slots = s.get("slots");
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("catalog_coverage", ratio(it == null ? 0 : it.getLong(it.fieldIndex("distinct_in_catalog")), catalogSize));
      m.put("distributional_coverage", slots == 0 ? Double.NaN : it.getDouble(it.fieldIndex("entropy")));
      m.put("novelty", slots == 0 ? Double.NaN : it.getDouble(it.fieldIndex("novelty_sum")) / slots);
      m.put("novelty_recommenders", slots == 0 ? Double.NaN : it.getDouble(it.fieldIndex("novelty_unsmoothed_sum")) / slots);
      m.put("intra_list_diversity", ratio(s.get("ild_sum"), s.get("ild_lists")));
      m.put("temporal_diversity", ratio(s.get("temporal_sum"), s.get("temporal_users")));
      m.put("categories_per_list", ratio(s.get("categories_sum"), s.get("category_lists")));
      m.put("category_dominated_rate", ratio(s.get("dominated_lists"), s.get("category_lists")));
      m.put("hallucination_rate", ratio(s.get("hallucinations"), s.get("suggestions")));
      // Measured on the model's first answer after catalog matching: the final lists never hold these.
      m.put("history_repeat_rate", ratio(s.get("history_repeats"), s.get("first_slots")));
      m.put("duplicate_rate", ratio(s.get("duplicates"), s.get("first_slots")));
      m.put("resample_rate", ratio(s.get("resampled"), users));
      m.put("order_sensitivity", ratio(s.get("order_sum"), s.get("order_users")));
      out.put(g, new Group(users, s, m));
    }
    return out;
  }

  /** Each user's {@link #SHARE}, from the columns {@link #compute} selects, by the reference functions. */
  static Iterator<Row> shares(Iterator<Row> users, CatalogIndex idx) {
    List<Row> out = new ArrayList<>();
    while (users.hasNext()) {
      out.add(share(users.next(), idx));
    }
    return out.iterator();
  }

  private static Row share(Row r, CatalogIndex idx) {
    String user = r.getString(0);
    int attempts = r.getInt(2);
    List<String> fin = r.getList(3);
    List<String> first = r.getList(4);
    List<String> probe = r.isNullAt(5) ? null : r.getList(5);
    Set<String> history = r.isNullAt(11) ? Set.of() : new HashSet<>(r.<String>getList(11));
    List<String> previous = r.isNullAt(12) ? null : r.getList(12);
    if (attempts < 1) {
      throw new IllegalArgumentException("user " + user + " has " + attempts + " attempts; at least 1 expected");
    }
    Map<String, float[]> vectors = new HashMap<>();
    Map<String, String> categories = new HashMap<>();
    List<Row> items = new ArrayList<>();
    for (String item : fin) {
      int p = idx.position(item);
      if (p >= 0) {
        vectors.put(item, idx.vector(p));
        categories.put(item, idx.category(p));
      }
      items.add(RowFactory.create(item, p >= 0));
    }
    Map<String, List<String>> list = Map.of(user, fin);
    double ild = RecommendationMetrics.intraListDiversity(list, vectors);
    double temporal = previous == null ? Double.NaN : RecommendationMetrics.temporalDiversity(Map.of(user, previous), list);
    double categoryCount = RecommendationMetrics.categoriesPerList(list, categories);
    double dominated = RecommendationMetrics.categoryDominatedRate(list, categories);
    double order = probe == null ? Double.NaN : RecommendationMetrics.jaccardDistance(first, probe);
    long repeats = first.stream().filter(history::contains).count();
    return RowFactory.create(r.getInt(1), (long) fin.size(), orZero(ild), counted(ild), orZero(temporal),
        counted(temporal), orZero(categoryCount), counted(categoryCount), (long) orZero(dominated),
        (long) r.getInt(6), (long) r.getInt(7), (long) first.size(), repeats,
        (long) (first.size() - new HashSet<>(first).size()), attempts > 1 ? 1L : 0L, orZero(order), counted(order),
        (long) r.getInt(8), (long) r.getInt(9), (long) r.getInt(10), Rows.seq(items));
  }

  /** Per user, the list of the latest run date before this one (for temporal diversity): {@code user_id, items}. */
  static Dataset<Row> previousLists(Dataset<Row> recs, java.time.LocalDate runDate) {
    Dataset<Row> before = recs.where(col("run_date").lt(lit(Date.valueOf(runDate))));
    Dataset<Row> latest = before.groupBy(col("user_id").as("l_user_id")).agg(max("run_date").as("l_date"));
    return before.join(latest, before.col("user_id").equalTo(latest.col("l_user_id"))
            .and(before.col("run_date").equalTo(latest.col("l_date"))))
        .groupBy("user_id").agg(transform(sort_array(collect_list(struct(col("rank"), col("item_id")))),
            x -> x.getField("item_id")).as("items"));
  }

  private static double orZero(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  private static long counted(double v) {
    return Double.isNaN(v) ? 0 : 1;
  }

  private static double ratio(double numerator, double denominator) {
    return denominator == 0 ? Double.NaN : numerator / denominator;
  }
}
