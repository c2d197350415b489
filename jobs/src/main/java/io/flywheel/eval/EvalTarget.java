package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.catalog.CatalogInput;
import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.skew.LoggedRequest;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code eval-assert} checks ({@code eval.assert.target}, docs/eval.md#targets): the model
 * outputs of {@code llm_calls} (a run date's or one run's calls, of one job), or any table of outputs
 * in the warehouse or at a path, read into the {@link AssertionRows#TARGET} columns.
 */
public final class EvalTarget {
  static final String LLM_CALLS = "llm_calls";

  private EvalTarget() {}

  /** Where a target is in the config ({@code eval.assert}, {@code eval.judge.a}, ...) and what it says. */
  record Source(String prefix, String target, String runId, String job, String format, Map<String, String> options,
      FlywheelConfig.EvalColumns columns) {
    static Source of(FlywheelConfig.EvalAssert a) {
      return new Source("eval.assert", a.target(), a.runId(), a.job(), a.format(), a.options(), a.columns());
    }

    static Source of(String prefix, FlywheelConfig.EvalSource s) {
      return new Source(prefix, s.target(), s.runId(), s.job(), s.format(), s.options(), s.columns());
    }
  }

  /** The target's rows as {@code row_key, input, output}; a config error naming the key when it cannot be read. */
  public static Dataset<Row> read(SparkSession spark, Warehouse wh, FlywheelConfig.EvalAssert a, LocalDate runDate) {
    Source s = Source.of(a);
    Dataset<Row> calls = callsTable(wh, s);
    return calls != null ? calls(calls, s, runDate) : columns(table(spark, wh, s), s);
  }

  /**
   * One side of a pairwise comparison ({@code eval.judge.a} or {@code .b}) as {@link PairwiseJudge#SIDE}
   * rows ({@code input_key, input, output, id}): of {@code llm_calls}, the input key is the call's
   * {@code item_key} (the item, the same in two runs) and the id its {@code call_id}; of a table, both
   * are its {@code columns.key}.
   */
  public static Dataset<Row> readSide(SparkSession spark, Warehouse wh, String prefix, FlywheelConfig.EvalSource side, LocalDate runDate) {
    Source s = Source.of(prefix, side);
    Dataset<Row> calls = callsTable(wh, s);
    if (calls != null) {
      return calls.where(which(s, runDate)).select(col("item_key").as("input_key"),
          expr(LoggedRequest.sqlInputText("request")).as("input"), col("response").as("output"), col("call_id").as("id"),
          col("created_at").as("at"));
    }
    return columns(table(spark, wh, s), s).select(col("row_key").as("input_key"), col("input"), col("output"),
        col("row_key").as("id"), lit(null).cast("timestamp").as("at"));
  }

  /** {@code llm_calls} when that is the target (null when it is not); a config error when the warehouse has none. */
  private static Dataset<Row> callsTable(Warehouse wh, Source s) {
    if (!s.target().equals(LLM_CALLS)) {
      return null;
    }
    if (!wh.exists(Table.LLM_CALLS)) {
      throw new ConfigException("key '" + s.prefix() + ".target': target llm_calls, but the warehouse has no llm_calls table yet ("
          + wh.path(Table.LLM_CALLS) + "); run a job that calls a model first");
    }
    return wh.read(Table.LLM_CALLS);
  }

  private static Dataset<Row> table(SparkSession spark, Warehouse wh, Source s) {
    Optional<Table> table = Arrays.stream(Table.values()).filter(t -> t.tableName().equals(s.target())).findFirst();
    if (table.isPresent()) {
      if (!wh.exists(table.get())) {
        throw new ConfigException("key '" + s.prefix() + ".target': the warehouse has no " + s.target() + " table yet ("
            + wh.path(table.get()) + ")");
      }
      return wh.read(table.get());
    }
    if (!s.target().contains("/") && !s.target().contains("\\")) {
      throw new ConfigException("key '" + s.prefix() + ".target': '" + s.target() + "' is neither llm_calls, a table of the"
          + " warehouse, nor a path (a path holds a '/')");
    }
    return CatalogInput.load(spark, s.prefix() + ".target", s.format(), s.target(), s.options(), "");
  }

  /**
   * The calls of the run date (or of {@code run_id}, any date) of {@code job} (blank: every job): key
   * {@code call_id}, input the logged item, output the logged response.
   */
  static Dataset<Row> calls(Dataset<Row> calls, FlywheelConfig.EvalAssert a, LocalDate runDate) {
    return calls(calls, Source.of(a), runDate);
  }

  private static Dataset<Row> calls(Dataset<Row> calls, Source s, LocalDate runDate) {
    return calls.where(which(s, runDate)).select(col("call_id").as("row_key"),
        expr(LoggedRequest.sqlInputText("request")).as("input"), col("response").as("output"));
  }

  private static Column which(Source s, LocalDate runDate) {
    Column which = CatalogInput.isBlank(s.runId()) ? col("run_date").equalTo(lit(java.sql.Date.valueOf(runDate))) : col("run_id").equalTo(s.runId());
    if (!CatalogInput.isBlank(s.job())) {
      which = which.and(col("job").equalTo(s.job()));
    }
    return which;
  }

  /** A table's mapped columns as the target columns; {@code input} may be unmapped (blank). */
  static Dataset<Row> columns(Dataset<Row> df, FlywheelConfig.EvalColumns c) {
    return columns(df, new Source("eval.assert", null, null, null, null, null, c));
  }

  private static Dataset<Row> columns(Dataset<Row> df, Source s) {
    FlywheelConfig.EvalColumns c = s.columns();
    String p = s.prefix() + ".columns.";
    List<String> have = Arrays.asList(df.columns());
    for (String[] k : new String[][] {{p + "key", c.key()}, {p + "output", c.output()}, {p + "input", c.input()}}) {
      boolean optional = k[0].endsWith(".input");
      if (CatalogInput.isBlank(k[1]) && optional) {
        continue;
      }
      if (CatalogInput.isBlank(k[1]) || !have.contains(k[1])) {
        throw new ConfigException("key '" + k[0] + "': column '" + k[1] + "' is not in the target (columns: " + have + ")");
      }
    }
    return df.select(col("`" + c.key() + "`").cast("string").as("row_key"),
        CatalogInput.isBlank(c.input()) ? lit(null).cast("string").as("input") : col("`" + c.input() + "`").cast("string").as("input"),
        col("`" + c.output() + "`").cast("string").as("output"));
  }

  /** How the target reads in messages and in the {@code target} column: {@code llm_calls[job=summarize]}. */
  static String describe(FlywheelConfig.EvalAssert a) {
    return describe(a.target(), a.runId(), a.job());
  }

  /** How a side of a comparison reads: as {@link #describe(FlywheelConfig.EvalAssert)}. */
  static String describe(FlywheelConfig.EvalSource s) {
    return describe(s.target(), s.runId(), s.job());
  }

  private static String describe(String target, String runId, String job) {
    if (!target.equals(LLM_CALLS)) {
      return target;
    }
    String filter = (CatalogInput.isBlank(job) ? "" : "job=" + job) + (CatalogInput.isBlank(runId) ? "" : (CatalogInput.isBlank(job) ? "" : ",") + "run_id=" + runId);
    return filter.isEmpty() ? LLM_CALLS : LLM_CALLS + "[" + filter + "]";
  }
}
