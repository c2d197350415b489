package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Computes {@link NumericDrift} and {@link CategoricalDrift} for many features of a DataFrame that
 * has a {@code side} column ({@code dev} or {@code prod}), from Spark aggregations only: the input
 * rows are never collected, only per-bin and per-category counts (docs/skew.md#spark). Numeric
 * features take two scans (ranges and moments, then every histogram); categorical features one.
 */
public final class DriftAggregates {
  public static final String SIDE = "side";
  public static final String DEV = "dev";
  public static final String PROD = "prod";

  /**
   * Wasserstein-1 is exact (from per-value counts) when a feature has at most this many values
   * (or distinct values, approximately) over both sides; otherwise it comes from a fine histogram.
   */
  public static final long DEFAULT_EXACT_LIMIT = 20_000;

  /** Bins of the fine histogram Wasserstein-1 is computed from on large inputs. */
  public static final int DEFAULT_FINE_BINS = 1000;

  /** Stands for a null value inside the categorical aggregation; never a real category. */
  private static final String NULL_MARK = "\u0000null";

  private DriftAggregates() {}

  /** {@link #numeric(Dataset, List, long, int)} with the default exactness limit and fine bins. */
  public static List<NumericDrift> numeric(Dataset<Row> df, List<String> features) {
    return numeric(df, features, DEFAULT_EXACT_LIMIT, DEFAULT_FINE_BINS);
  }

  /** One {@link NumericDrift} per feature, in the order given. */
  public static List<NumericDrift> numeric(Dataset<Row> df, List<String> features, long exactLimit, int fineBins) {
    requireColumns(df, features);
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Column c = value(features.get(i));
      aggs.add(count(c).as("n" + i));
      aggs.add(min(c).as("min" + i));
      aggs.add(max(c).as("max" + i));
      aggs.add(avg(c).as("mean" + i));
      aggs.add(stddev_pop(c).as("std" + i));
      aggs.add(approx_count_distinct(c).as("distinct" + i));
    }
    Map<String, Row> stats = bySide(
        df.groupBy(col(SIDE)).agg(count(lit(1)).as("rows"), aggs.toArray(Column[]::new)).collectAsList());

    List<Plan> plans = new ArrayList<>();
    List<Column> entries = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Plan p = Plan.of(features.get(i), i, stats.get(DEV), stats.get(PROD), exactLimit, fineBins);
      plans.add(p);
      if (p.comparable()) {
        entries.add(p.entry(value(features.get(i))));
      }
    }
    Map<Integer, Counts> counts = new HashMap<>();
    if (!entries.isEmpty()) {
      List<Row> rows = df.select(col(SIDE), explode(array_compact(array(entries.toArray(Column[]::new)))).as("e"))
          .groupBy(col(SIDE), col("e.f").as("f"), col("e.b").as("b"), col("e.k").as("k"))
          .count()
          .collectAsList();
      for (Row r : rows) {
        int f = r.getInt(1);
        Plan p = plans.get(f);
        counts.computeIfAbsent(f, k -> new Counts(p)).add(r.getString(0), r.getInt(2), r.getDouble(3), r.getLong(4));
      }
    }
    List<NumericDrift> out = new ArrayList<>();
    for (Plan p : plans) {
      out.add(p.comparable() ? counts.get(p.index).drift() : p.incomparable());
    }
    return out;
  }

  /** One {@link CategoricalDrift} per feature, categories past the top {@code topK} as "(other)". */
  public static List<CategoricalDrift> categorical(Dataset<Row> df, List<String> features, int topK) {
    requireColumns(df, features);
    List<Column> entries = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Column v = coalesce(col(features.get(i)).cast("string"), lit(NULL_MARK));
      entries.add(struct(lit(i).as("f"), v.as("v")));
    }
    Dataset<Row> counts = df.select(col(SIDE), explode(array(entries.toArray(Column[]::new))).as("e"))
        .groupBy(col(SIDE), col("e.f").as("f"), col("e.v").as("v"))
        .count();
    // The same ranking as CategoricalDrift.topCategories: dev share + prod share, then name. A
    // category has a row per side, so dense_rank (one rank per category), not row_number.
    Column isNull = col("v").equalTo(NULL_MARK);
    WindowSpec perSide = Window.partitionBy(col(SIDE), col("f"));
    WindowSpec perValue = Window.partitionBy(col("f"), col("v"));
    WindowSpec rank = Window.partitionBy(col("f"), isNull).orderBy(col("score").desc(), col("v").asc());
    List<Row> rows = counts
        // try_divide: a side whose values are all null has no shares (0 non-null values), not an error.
        .withColumn("share", try_divide(col("count").cast("double"),
            sum(when(isNull, lit(0L)).otherwise(col("count"))).over(perSide).cast("double")))
        .withColumn("score", sum(col("share")).over(perValue))
        .withColumn("kept", isNull.or(dense_rank().over(rank).leq(topK)))
        .withColumn("v", when(col("kept"), col("v")).otherwise(lit(CategoricalDrift.OTHER)))
        .groupBy(col(SIDE), col("f"), col("v"))
        .agg(sum(col("count")).as("count"))
        .collectAsList();
    List<Map<String, Map<String, Long>>> bySide = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Map<String, Map<String, Long>> m = new HashMap<>();
      m.put(DEV, new LinkedHashMap<>());
      m.put(PROD, new LinkedHashMap<>());
      bySide.add(m);
    }
    for (Row r : rows) {
      String side = checkSide(r.getString(0));
      bySide.get(r.getInt(1)).get(side).put(r.getString(2), r.getLong(3));
    }
    List<CategoricalDrift> out = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Map<String, Long> dev = bySide.get(i).get(DEV);
      Map<String, Long> prod = bySide.get(i).get(PROD);
      long devNulls = orZero(dev.remove(NULL_MARK));
      long prodNulls = orZero(prod.remove(NULL_MARK));
      out.add(CategoricalDrift.distances(features.get(i), dev, prod, devNulls, prodNulls));
    }
    return out;
  }

  /** The bin expression of {@link Distances#bin}, term for term, so Spark and Java agree exactly. */
  static Column binOf(Column v, double min, double max, int bins) {
    double range = max - min;
    if (range <= 0) {
      return lit(0);
    }
    return greatest(lit(0), least(lit(bins - 1), floor(v.minus(lit(min)).multiply(lit(bins)).divide(lit(range)))))
        .cast("int");
  }

  private static Column value(String feature) {
    return col(feature).cast("double");
  }

  private static void requireColumns(Dataset<Row> df, List<String> features) {
    List<String> have = Arrays.asList(df.columns());
    if (!have.contains(SIDE)) {
      throw new IllegalArgumentException("skew input has no column '" + SIDE + "' (dev or prod); columns: " + have);
    }
    for (String f : features) {
      if (!have.contains(f)) {
        throw new IllegalArgumentException("skew input has no feature column '" + f + "'; columns: " + have);
      }
    }
  }

  private static Map<String, Row> bySide(List<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows) {
      out.put(checkSide(r.getString(0)), r);
    }
    return out;
  }

  private static String checkSide(String side) {
    if (!DEV.equals(side) && !PROD.equals(side)) {
      throw new IllegalArgumentException(
          "column '" + SIDE + "' holds '" + side + "'; every row must be '" + DEV + "' or '" + PROD + "'");
    }
    return side;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  /** What pass 1 decided for one feature: its range, Sturges bins and Wasserstein mode. */
  private record Plan(
      String feature, int index, long devN, long prodN, long devNulls, long prodNulls, Double min, Double max,
      Double devMean, Double devStd, Double prodMean, Double prodStd, int bins, boolean exact, int fineBins) {

    static Plan of(String feature, int i, Row dev, Row prod, long exactLimit, int fineBins) {
      long dn = dev == null ? 0 : dev.getLong(dev.fieldIndex("n" + i));
      long pn = prod == null ? 0 : prod.getLong(prod.fieldIndex("n" + i));
      long dNulls = dev == null ? 0 : dev.getLong(dev.fieldIndex("rows")) - dn;
      long pNulls = prod == null ? 0 : prod.getLong(prod.fieldIndex("rows")) - pn;
      Double min = null;
      Double max = null;
      for (Row r : new Row[] {dev, prod}) {
        if (r != null && !r.isNullAt(r.fieldIndex("min" + i))) {
          double lo = r.getDouble(r.fieldIndex("min" + i));
          double hi = r.getDouble(r.fieldIndex("max" + i));
          min = min == null ? lo : Math.min(min, lo);
          max = max == null ? hi : Math.max(max, hi);
        }
      }
      long distinct = (dev == null ? 0 : dev.getLong(dev.fieldIndex("distinct" + i)))
          + (prod == null ? 0 : prod.getLong(prod.fieldIndex("distinct" + i)));
      boolean exact = dn + pn <= exactLimit || distinct <= exactLimit;
      return new Plan(feature, i, dn, pn, dNulls, pNulls, min, max,
          stat(dev, "mean" + i), stat(dev, "std" + i), stat(prod, "mean" + i), stat(prod, "std" + i),
          Distances.sturgesBins(dn + pn), exact, fineBins);
    }

    private static Double stat(Row r, String name) {
      return r == null || r.isNullAt(r.fieldIndex(name)) ? null : r.getDouble(r.fieldIndex(name));
    }

    boolean comparable() {
      return devN > 0 && prodN > 0;
    }

    /** (feature index, Sturges bin, Wasserstein key: the value itself, or its fine bin). */
    Column entry(Column v) {
      Column key = exact ? v : binOf(v, min, max, fineBins).cast("double");
      return when(v.isNotNull(), struct(lit(index).as("f"), binOf(v, min, max, bins).as("b"), key.as("k")));
    }

    NumericDrift incomparable() {
      return new NumericDrift(feature, devN, prodN, devNulls, prodNulls, min, max, devMean, devStd,
          prodMean, prodStd, 0, new long[0], new long[0], null, null, null, true, 0);
    }
  }

  /** The collected counts of one feature, turned into its distances. */
  private static final class Counts {
    final Plan plan;
    final long[] devHist;
    final long[] prodHist;
    final TreeMap<Double, Long> devKeys = new TreeMap<>();
    final TreeMap<Double, Long> prodKeys = new TreeMap<>();

    Counts(Plan plan) {
      this.plan = plan;
      this.devHist = new long[plan.bins];
      this.prodHist = new long[plan.bins];
    }

    void add(String side, int bin, double key, long n) {
      boolean dev = checkSide(side).equals(DEV);
      (dev ? devHist : prodHist)[bin] += n;
      (dev ? devKeys : prodKeys).merge(key, n, Long::sum);
    }

    NumericDrift drift() {
      double w1;
      double bound = 0;
      if (plan.exact) {
        w1 = Distances.wasserstein(keys(devKeys), counts(devKeys), keys(prodKeys), counts(prodKeys));
      } else {
        long[] d = new long[plan.fineBins];
        long[] p = new long[plan.fineBins];
        devKeys.forEach((k, n) -> d[k.intValue()] += n);
        prodKeys.forEach((k, n) -> p[k.intValue()] += n);
        w1 = Distances.wassersteinFromBins(d, p, plan.min, plan.max);
        bound = Distances.normalizedWasserstein((plan.max - plan.min) / plan.fineBins, plan.devStd);
      }
      double[] hd = Distances.toDoubles(devHist);
      double[] hp = Distances.toDoubles(prodHist);
      return new NumericDrift(plan.feature, plan.devN, plan.prodN, plan.devNulls, plan.prodNulls,
          plan.min, plan.max, plan.devMean, plan.devStd, plan.prodMean, plan.prodStd, plan.bins,
          devHist, prodHist, Distances.jensenShannon(hd, hp), Distances.psi(hd, hp),
          Distances.normalizedWasserstein(w1, plan.devStd), plan.exact, bound);
    }

    private static double[] keys(TreeMap<Double, Long> m) {
      return m.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static long[] counts(TreeMap<Double, Long> m) {
      return m.values().stream().mapToLong(Long::longValue).toArray();
    }
  }
}
