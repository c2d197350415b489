package io.flywheel.job;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.Costs;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The one definition of an {@code llm_calls} row (docs/tables.md#llm_calls), and the counters every
 * job keeps of its calls (docs/jobs.md#counters). A job hands over its calls with the columns of
 * {@link #CALL}; this adds the run's identity, the provider, the cost and the dates.
 */
public final class CallLog {
  /** What a job knows of each of its calls; the rest of an {@code llm_calls} row comes from the run. */
  public static final StructType CALL = StructType.fromDDL(
      "call_id STRING, item_key STRING, item_count INT, cache_key STRING, request_key STRING, prompt_id STRING,"
          + " prompt_version INT, reported_model STRING, request STRING, response STRING, status STRING,"
          + " error_class STRING, error_message STRING, finish_reason STRING, attempts INT, input_tokens INT,"
          + " output_tokens INT, latency_ms BIGINT, created_at TIMESTAMP");

  private CallLog() {}

  /**
   * The columns of {@link #CALL} that say how a call went, which every job's result rows carry under
   * the same names ({@code reported_model} ... {@code created_at}): a job selects its own key columns and
   * these.
   */
  public static List<Column> outcomeColumns() {
    List<Column> out = new ArrayList<>();
    for (String name : List.of("reported_model", "request", "response", "status", "error_class", "error_message",
        "finish_reason", "attempts", "input_tokens", "output_tokens", "latency_ms", "created_at")) {
      out.add(col(name));
    }
    return out;
  }

  /** {@code calls} (with the columns of {@link #CALL}) as {@code llm_calls} rows of this run. */
  public static Dataset<Row> rows(Dataset<Row> calls, RunContext ctx) {
    FlywheelConfig.Llm llm = ctx.config().llm();
    List<Column> out = new ArrayList<>();
    for (String name : Table.LLM_CALLS.schema().fieldNames()) {
      out.add(switch (name) {
        case "run_id" -> lit(ctx.runId());
        case "job" -> lit(ctx.job());
        case "run_date" -> lit(java.sql.Date.valueOf(ctx.runDate()));
        case "provider" -> lit(llm.provider());
        case "requested_model" -> lit(llm.model());
        case "cost_usd" -> Costs.usd(llm, col("input_tokens"), col("output_tokens"));
        case "call_date" -> to_date(col("created_at"));
        default -> col(name);
      });
    }
    String[] names = Table.LLM_CALLS.schema().fieldNames();
    Column[] named = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      named[i] = out.get(i).cast(Table.LLM_CALLS.schema().apply(names[i]).dataType()).as(names[i]);
    }
    return calls.select(named);
  }

  /**
   * Appends {@code calls} to {@code llm_calls} as batch {@code batch} of the run (exactly once) and
   * counts them into {@code log}. Returns the calls answered by a model other than the pinned one, by
   * reported model.
   */
  public static Map<String, Long> commit(Dataset<Row> calls, RunContext ctx, TableWrites writes, long batch, RunLog log) {
    Dataset<Row> rows = rows(calls, ctx);
    writes.appendOnce(rows, Table.LLM_CALLS, batch);
    return countInto(log, rows, ctx.config().llm().model());
  }

  /**
   * Counts {@code llm_calls} rows into {@code log}: {@code calls} (every call but the budget-skipped,
   * which were never meant to be sent), {@code calls_sent} (calls that reached the provider, what
   * {@code llm.budget.max_calls} counts), one count per status, {@code guardrail_<name>} per failed
   * guardrail, {@code error_<class>} per error class, and tokens and cost.
   */
  static Map<String, Long> countInto(RunLog log, Dataset<Row> rows, String pinnedModel) {
    for (Row r : rows.groupBy(col("status"), col("error_class"))
        .agg(count(lit(1)), coalesce(sum(col("input_tokens")), lit(0L)), coalesce(sum(col("output_tokens")), lit(0L)),
            coalesce(sum(col("cost_usd")), lit(0.0)), sum(when(col("attempts").gt(0), 1).otherwise(0)))
        .collectAsList()) {
      String status = r.getString(0);
      long n = r.getLong(2);
      if (!status.equals("budget_skipped")) {
        log.add("calls", n);
      }
      log.add("calls_sent", r.getLong(6));
      log.add(status, n);
      if (status.equals("guardrail_rejected") && !r.isNullAt(1)) {
        log.add(r.getString(1).replace(':', '_'), n);
      }
      if ((status.equals("failed") || status.equals("retryable_error")) && !r.isNullAt(1)) {
        log.add("error_" + r.getString(1), n);
      }
      log.addUsage(r.getLong(3), r.getLong(4), r.getDouble(5));
    }
    Map<String, Long> mismatched = new TreeMap<>();
    for (Row r : rows.where(col("reported_model").isNotNull().and(col("reported_model").notEqual(pinnedModel)))
        .groupBy("reported_model").count().collectAsList()) {
      mismatched.merge(r.getString(0), r.getLong(1), Long::sum);
      log.add("model_mismatch", r.getLong(1));
    }
    return mismatched;
  }
}
