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

  /** The target's rows as {@code row_key, input, output}; a config error naming the key when it cannot be read. */
  public static Dataset<Row> read(SparkSession spark, Warehouse wh, FlywheelConfig.EvalAssert a, LocalDate runDate) {
    if (a.target().equals(LLM_CALLS)) {
      if (!wh.exists(Table.LLM_CALLS)) {
        throw new ConfigException("key 'eval.assert.target': target llm_calls, but the warehouse has no llm_calls table yet ("
            + wh.path(Table.LLM_CALLS) + "); run a job that calls a model first");
      }
      return calls(wh.read(Table.LLM_CALLS), a, runDate);
    }
    Optional<Table> table = Arrays.stream(Table.values()).filter(t -> t.tableName().equals(a.target())).findFirst();
    Dataset<Row> df;
    if (table.isPresent()) {
      if (!wh.exists(table.get())) {
        throw new ConfigException("key 'eval.assert.target': the warehouse has no " + a.target() + " table yet ("
            + wh.path(table.get()) + ")");
      }
      df = wh.read(table.get());
    } else {
      if (!a.target().contains("/") && !a.target().contains("\\")) {
        throw new ConfigException("key 'eval.assert.target': '" + a.target() + "' is neither llm_calls, a table of the"
            + " warehouse, nor a path (a path holds a '/')");
      }
      df = CatalogInput.load(spark, "eval.assert.target", a.format(), a.target(), a.options(), "");
    }
    return columns(df, a.columns());
  }

  /**
   * The calls of the run date (or of {@code eval.assert.run_id}, any date) of {@code eval.assert.job}
   * (blank: every job): key {@code call_id}, input the logged item, output the logged response.
   */
  static Dataset<Row> calls(Dataset<Row> calls, FlywheelConfig.EvalAssert a, LocalDate runDate) {
    Column which = CatalogInput.isBlank(a.runId()) ? col("run_date").equalTo(lit(java.sql.Date.valueOf(runDate))) : col("run_id").equalTo(a.runId());
    if (!CatalogInput.isBlank(a.job())) {
      which = which.and(col("job").equalTo(a.job()));
    }
    return calls.where(which).select(col("call_id").as("row_key"),
        expr(LoggedRequest.sqlInputText("request")).as("input"), col("response").as("output"));
  }

  /** A table's mapped columns as the target columns; {@code input} may be unmapped (blank). */
  static Dataset<Row> columns(Dataset<Row> df, FlywheelConfig.EvalColumns c) {
    List<String> have = Arrays.asList(df.columns());
    for (String[] k : new String[][] {{"eval.assert.columns.key", c.key()}, {"eval.assert.columns.output", c.output()},
        {"eval.assert.columns.input", c.input()}}) {
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
    if (!a.target().equals(LLM_CALLS)) {
      return a.target();
    }
    String filter = (CatalogInput.isBlank(a.job()) ? "" : "job=" + a.job()) + (CatalogInput.isBlank(a.runId()) ? "" : (CatalogInput.isBlank(a.job()) ? "" : ",") + "run_id=" + a.runId());
    return filter.isEmpty() ? LLM_CALLS : LLM_CALLS + "[" + filter + "]";
  }
}
