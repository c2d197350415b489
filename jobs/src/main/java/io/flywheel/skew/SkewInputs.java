package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import io.flywheel.catalog.CatalogInput;
import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The two sides the skew job compares, as rows of ({@code side}, {@code input_text},
 * {@code output_text}): dev from the configured table, prod from {@code llm_calls} of the run's
 * window or from a table (docs/skew.md#inputs). Every way an input can be unusable is a
 * {@link ConfigException} naming the key, raised before anything is written.
 */
public final class SkewInputs {
  public static final String SIDE = DriftAggregates.SIDE;
  public static final String INPUT = "input_text";
  public static final String OUTPUT = "output_text";

  private SkewInputs() {}

  /** What planning learned about one side: its rows and its null-or-blank texts. */
  public record SideCounts(long rows, long blankInputs, long blankOutputs) {}

  /** The dev side of {@code skew.dev.*}; {@code output_text} is null when no output column is mapped. */
  public static Dataset<Row> dev(SparkSession spark, FlywheelConfig.SkewDev dev) {
    Dataset<Row> df = CatalogInput.load(spark, "skew.dev.path", dev.format(), dev.path(), dev.options(),
        " (bin/flywheel generate --skew writes a sample dev set)");
    return texts(df, "skew.dev.columns", dev.columns());
  }

  /** The prod side of {@code skew.prod.*} for the window ending at {@code runDate}. */
  public static Dataset<Row> prod(SparkSession spark, Warehouse wh, FlywheelConfig.SkewProd prod, LocalDate runDate) {
    if (prod.source().equals("table")) {
      Dataset<Row> df = CatalogInput.load(spark, "skew.prod.path", prod.format(), prod.path(), prod.options(), "");
      return texts(df, "skew.prod.columns", prod.columns());
    }
    Dataset<Row> calls;
    if (blank(prod.path())) {
      if (!wh.exists(Table.LLM_CALLS)) {
        throw new ConfigException("key 'skew.prod.source': source llm_calls, but the warehouse has no llm_calls table yet ("
            + wh.path(Table.LLM_CALLS) + "); run the jobs of skew.prod.jobs first, or set skew.prod.path");
      }
      calls = wh.read(Table.LLM_CALLS);
    } else {
      calls = CatalogInput.load(spark, "skew.prod.path", "delta", prod.path(), prod.options(), "");
    }
    List<String> have = Arrays.asList(calls.columns());
    for (String c : List.of("job", "call_date", "prompt_id", "request", "response")) {
      if (!have.contains(c)) {
        throw new ConfigException("key '" + (blank(prod.path()) ? "skew.prod.source" : "skew.prod.path")
            + "': the llm_calls table has no column '" + c + "' (columns: " + have + ")");
      }
    }
    return calls.transform(df -> filterWindow(df, runDate, prod.windowDays(), prod.jobs(), prod.promptIds()))
        .transform(df -> withCallTexts(df, prod.inputField()));
  }

  /**
   * Keeps the calls of {@code jobs} (and {@code promptIds}, when not empty) with {@code call_date}
   * in ({@code runDate - windowDays}, {@code runDate}] that have a response, whatever their status:
   * a {@code guardrail_rejected} answer is production output too.
   */
  public static Dataset<Row> filterWindow(
      Dataset<Row> calls, LocalDate runDate, int windowDays, List<String> jobs, List<String> promptIds) {
    Column keep = col("job").isin(jobs.toArray())
        .and(col("call_date").gt(lit(java.sql.Date.valueOf(runDate.minusDays(windowDays)))))
        .and(col("call_date").leq(lit(java.sql.Date.valueOf(runDate))))
        .and(col("response").isNotNull());
    if (promptIds != null && !promptIds.isEmpty()) {
      keep = keep.and(col("prompt_id").isin(promptIds.toArray()));
    }
    return calls.where(keep);
  }

  /** The logged request's item field {@code field} as the input text, the response as the output. */
  public static Dataset<Row> withCallTexts(Dataset<Row> calls, String field) {
    return calls.select(LoggedRequest.itemFieldColumn("request", field).as(INPUT), col("response").as(OUTPUT));
  }

  /** Both sides in one frame with a {@code side} column. */
  public static Dataset<Row> union(Dataset<Row> dev, Dataset<Row> prod) {
    return dev.select(lit(DriftAggregates.DEV).as(SIDE), col(INPUT), col(OUTPUT))
        .unionByName(prod.select(lit(DriftAggregates.PROD).as(SIDE), col(INPUT), col(OUTPUT)));
  }

  /** Rows and null-or-blank texts per side, in one aggregation. */
  public static Map<String, SideCounts> countSides(Dataset<Row> sides) {
    Map<String, SideCounts> out = new HashMap<>();
    out.put(DriftAggregates.DEV, new SideCounts(0, 0, 0));
    out.put(DriftAggregates.PROD, new SideCounts(0, 0, 0));
    for (Row r : sides.groupBy(col(SIDE))
        .agg(count(lit(1)).as("rows"), count(when(isBlank(col(INPUT)), lit(1))).as("blank_in"),
            count(when(isBlank(col(OUTPUT)), lit(1))).as("blank_out"))
        .collectAsList()) {
      out.put(r.getString(0), new SideCounts(r.getLong(1), r.getLong(2), r.getLong(3)));
    }
    return out;
  }

  /**
   * Refuses a side the distances cannot be computed on: no rows, or no input text at all (every text
   * null or blank), or, when outputs are compared, no output text at all. {@code keys} names the
   * config keys of the side: [rows, input, output].
   */
  public static void check(String side, SideCounts c, boolean outputs, String[] keys, String what) {
    if (c.rows() == 0) {
      throw new ConfigException("key '" + keys[0] + "': the " + side + " side is empty (" + what + ")");
    }
    if (c.blankInputs() == c.rows()) {
      throw new ConfigException(String.format(Locale.ROOT,
          "key '%s': every one of the %d %s input texts is null or blank (%s)", keys[1], c.rows(), side, what));
    }
    if (outputs && c.blankOutputs() == c.rows()) {
      throw new ConfigException(String.format(Locale.ROOT,
          "key '%s': every one of the %d %s output texts is null or blank (%s)", keys[2], c.rows(), side, what));
    }
  }

  private static Column isBlank(Column text) {
    return text.isNull().or(trim(text).equalTo(""));
  }

  /** {@code input_text} and {@code output_text} from the mapped columns (a blank output: null text). */
  private static Dataset<Row> texts(Dataset<Row> df, String key, FlywheelConfig.SkewColumns columns) {
    List<String> have = Arrays.asList(df.columns());
    if (!have.contains(columns.input())) {
      throw new ConfigException("key '" + key + ".input': column '" + columns.input() + "' is not in the input (columns: "
          + have + ")");
    }
    boolean withOutput = !blank(columns.output());
    if (withOutput && !have.contains(columns.output())) {
      throw new ConfigException("key '" + key + ".output': column '" + columns.output()
          + "' is not in the input (columns: " + have + "; leave it blank to compare inputs only)");
    }
    return df.select(col(columns.input()).cast("string").as(INPUT),
        (withOutput ? col(columns.output()).cast("string") : lit(null).cast("string")).as(OUTPUT));
  }

  static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
