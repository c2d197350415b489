package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;

/**
 * An assertion suite over a frame of outputs, in Spark: one verdict row per target row and
 * criterion, and pass counts per criterion (docs/eval.md#eval-assert). The criteria themselves are
 * pure Java ({@link Criterion}); these are the frame-level steps around them.
 */
public final class AssertionRows {
  /** The built-in first check of every row: it has a non-blank output; the suite's criteria run only then. */
  public static final String HAS_OUTPUT = AssertionSuite.HAS_OUTPUT;
  /** The pass-rate row of the rows with an output that pass every criterion of the suite. */
  public static final String ALL_CRITERIA = AssertionSuite.ALL_CRITERIA;
  /** The target frame: one row per output to check. */
  public static final StructType TARGET = StructType.fromDDL("row_key STRING, input STRING, output STRING");
  /** One verdict: {@code row} numbers the target rows, so that a key given twice is still two rows. */
  public static final StructType VERDICTS =
      StructType.fromDDL("row BIGINT, row_key STRING, criterion STRING, passed BOOLEAN, detail STRING");
  /** Longest failure detail stored (the criteria's details are short; a quoted match may not be). */
  static final int MAX_DETAIL = 500;

  private AssertionRows() {}

  /**
   * Makes {@code row_key} unique: a null key becomes {@code sha256:<hash of input and output>}, and the
   * second and later rows of a key repeated in the target get {@code #2}, {@code #3} (ordered by that
   * hash, so the same target gives the same keys).
   */
  public static Dataset<Row> withUniqueKeys(Dataset<Row> target) {
    Column hash = sha2(concat_ws("\u0000", coalesce(col("input"), lit("")), coalesce(col("output"), lit(""))), 256);
    Column key = coalesce(col("row_key"), concat(lit("sha256:"), hash));
    Column n = row_number().over(Window.partitionBy(col("_key")).orderBy(col("_hash"), col("output")));
    return target.withColumn("_hash", hash).withColumn("_key", key).withColumn("_n", n)
        .select(when(col("_n").equalTo(1), col("_key")).otherwise(concat(col("_key"), lit("#"), col("_n").cast("string")))
            .as("row_key"), col("input"), col("output"));
  }

  /** The verdicts of {@code suite} on every row of {@code target} ({@link #TARGET} columns). */
  public static Dataset<Row> withVerdicts(Dataset<Row> target, AssertionSuite suite) {
    Dataset<Row> numbered = target.select(col("row_key"), col("input"), col("output"))
        .withColumn("row", monotonically_increasing_id());
    return numbered.flatMap((FlatMapFunction<Row, Row>) r ->
            verdicts(suite, r.getLong(3), r.getString(0), r.getString(1), r.getString(2)).iterator(),
        Encoders.row(VERDICTS));
  }

  /** The verdict rows of one output: {@link #HAS_OUTPUT}, then each criterion when there is an output. */
  static List<Row> verdicts(AssertionSuite suite, long row, String key, String input, String output) {
    List<Row> out = new ArrayList<>(suite.criteria().size() + 1);
    boolean has = output != null && !output.isBlank();
    out.add(RowFactory.create(row, key, HAS_OUTPUT, has, has ? null : "no output"));
    if (has) {
      List<Criterion.Verdict> vs = suite.check(output, input);
      for (int i = 0; i < vs.size(); i++) {
        Criterion.Verdict v = vs.get(i);
        String detail = v.detail() == null || v.detail().length() <= MAX_DETAIL ? v.detail() : v.detail().substring(0, MAX_DETAIL) + "...";
        out.add(RowFactory.create(row, key, suite.criteria().get(i).name(), v.passed(), detail));
      }
    }
    return out;
  }

  /**
   * {@link #passCounts} collected: criterion to {rows, passed}, in {@link #reportOrder} (a criterion no
   * row reached, such as every criterion when no row has an output, has {0, 0}).
   */
  public static Map<String, long[]> passCountsByCriterion(Dataset<Row> verdicts, AssertionSuite suite) {
    Map<String, long[]> found = new LinkedHashMap<>();
    for (Row r : passCounts(verdicts).collectAsList()) {
      found.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2)});
    }
    Map<String, long[]> out = new LinkedHashMap<>();
    for (String c : reportOrder(suite)) {
      out.put(c, found.getOrDefault(c, new long[2]));
    }
    return out;
  }

  /** The rows a suite's pass rates are reported in: {@link #HAS_OUTPUT}, each criterion, {@link #ALL_CRITERIA}. */
  public static List<String> reportOrder(AssertionSuite suite) {
    List<String> order = new ArrayList<>();
    order.add(HAS_OUTPUT);
    suite.criteria().forEach(c -> order.add(c.name()));
    order.add(ALL_CRITERIA);
    return order;
  }

  /**
   * Rows and passes per criterion ({@code criterion, rows, passed}), plus {@link #ALL_CRITERIA}: the
   * rows with an output that passed every criterion of the suite, out of the rows with an output.
   */
  public static Dataset<Row> passCounts(Dataset<Row> verdicts) {
    Column passedCount = sum(when(col("passed"), 1L).otherwise(0L));
    Dataset<Row> per = verdicts.groupBy("criterion").agg(count(lit(1)).as("rows"), passedCount.as("passed"));
    Dataset<Row> all = verdicts.where(col("criterion").notEqual(HAS_OUTPUT))
        .groupBy("row").agg(min(col("passed").cast("int")).as("ok"))
        .agg(count(lit(1)).as("rows"), coalesce(sum(col("ok").cast("long")), lit(0L)).as("passed"))
        .select(lit(ALL_CRITERIA).as("criterion"), col("rows"), col("passed"));
    return per.unionByName(all);
  }
}
