package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.flywheel.cache.CacheKey;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.Costs;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Commits one batch of results (rows of {@link SummaryCalls#RESULT_SCHEMA}): the calls to
 * {@code llm_calls} first, then the successes to {@code summaries} (append for new items, MERGE for
 * changed ones, after copying their old rows to {@code summaries_history}). Each append carries a
 * Delta transaction id, so a retried batch is skipped, and a crash loses at most the batch in flight.
 */
final class SummaryCommit {
  private final RunContext ctx;
  private final Warehouse wh;
  private final FlywheelConfig.Llm llm;
  private final Map<String, CacheKey> keys;
  private final Map<String, Long> mismatched = new TreeMap<>();
  /**
   * Part of every transaction id, unique per process: a run started again with the same
   * {@code --run-id} must not have its writes skipped by Delta as already committed.
   */
  private final String writer = java.util.UUID.randomUUID().toString();

  SummaryCommit(RunContext ctx, Map<String, CacheKey> keys) {
    this.ctx = ctx;
    this.wh = ctx.warehouse();
    this.llm = ctx.config().llm();
    this.keys = keys;
  }

  void commitBatch(int batch, Dataset<Row> results, RunLog log) {
    String app = "flywheel-" + SummarizeJob.JOB + "-" + ctx.runId() + "-" + writer;
    withCallColumns(results)
        .write().format("delta").mode("append")
        .option("txnAppId", app + "-llm_calls").option("txnVersion", batch)
        .save(wh.path(Table.LLM_CALLS));
    Dataset<Row> ok = summaryRows(results);
    long fresh = 0;
    long changed = 0;
    for (Row r : ok.groupBy(col("_is_new")).count().collectAsList()) {
      if (r.getBoolean(0)) {
        fresh = r.getLong(1);
      } else {
        changed = r.getLong(1);
      }
    }
    if (fresh > 0) {
      ok.where(col("_is_new")).drop("_is_new")
          .write().format("delta").mode("append")
          .option("txnAppId", app + "-summaries").option("txnVersion", batch)
          .save(wh.path(Table.SUMMARIES));
    }
    if (changed > 0) {
      mergeChanged(ok.where(not(col("_is_new"))).drop("_is_new"));
    }
    log.add("items_summarized", fresh + changed);
    countOutcomes(results, log);
  }

  /** The batch's rows in the {@code llm_calls} layout. */
  Dataset<Row> withCallColumns(Dataset<Row> results) {
    return results.select(
        sha2(concat_ws("|", lit(ctx.runId()), col("request_key")), 256).as("call_id"),
        lit(ctx.runId()).as("run_id"),
        lit(SummarizeJob.JOB).as("job"),
        lit(java.sql.Date.valueOf(ctx.runDate())).as("run_date"),
        col("items").getItem(0).getField("item_id").as("item_key"),
        size(col("items")).as("item_count"),
        col("items").getItem(0).getField("cache_key").as("cache_key"),
        col("request_key"),
        lit(llm.provider()).as("provider"),
        lit(llm.model()).as("requested_model"),
        col("reported_model"),
        col("prompt_id"),
        promptVersion().as("prompt_version"),
        col("request"),
        col("response"),
        col("status"),
        col("error_class"),
        col("error_message"),
        col("finish_reason"),
        col("attempts"),
        col("input_tokens"),
        col("output_tokens"),
        col("latency_ms"),
        cost().as("cost_usd"),
        col("created_at"),
        to_date(col("created_at")).as("call_date"));
  }

  /** One {@code summaries} row per item served by a successful request, plus {@code _is_new}. */
  Dataset<Row> summaryRows(Dataset<Row> results) {
    return results.where(col("status").equalTo("ok"))
        .withColumn("item", explode(col("items")))
        .select(
            col("item.item_id").as("item_id"),
            col("item.cache_key").as("cache_key"),
            col("request_key"),
            col("item.content_hash").as("content_hash"),
            col("prompt_id"),
            promptVersion().as("prompt_version"),
            lit(llm.provider()).as("provider"),
            lit(llm.model()).as("model"),
            col("reported_model"),
            col("summary"),
            col("key_features"),
            col("pii_redacted"),
            guardrailVersion().as("guardrail_version"),
            col("item.updated_at").as("item_updated_at"),
            lit(ctx.runId()).as("run_id"),
            lit(java.sql.Date.valueOf(ctx.runDate())).as("run_date"),
            col("created_at"),
            col("item.is_new").as("_is_new"));
  }

  /** Reported model to number of calls, for answers from a model other than the pinned one. */
  Map<String, Long> mismatchedModels() {
    return mismatched;
  }

  private void countOutcomes(Dataset<Row> results, RunLog log) {
    for (Row r : results.groupBy(col("status"), col("error_class"))
        .agg(count(lit(1)), sum(col("input_tokens")), sum(col("output_tokens")), sum(cost()),
            sum(when(col("attempts").gt(0), 1).otherwise(0)))
        .collectAsList()) {
      String status = r.getString(0);
      long n = r.getLong(2);
      // A budget_skipped row was never meant to be sent: it is not a call and no failure.
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
    for (Row r : results.where(col("reported_model").isNotNull().and(col("reported_model").notEqual(llm.model())))
        .groupBy("reported_model").count().collectAsList()) {
      mismatched.merge(r.getString(0), r.getLong(1), Long::sum);
    }
  }

  /** Copies the current rows of changed items to history (once per old cache key), then MERGEs. */
  private void mergeChanged(Dataset<Row> source) {
    DeltaTable summaries = DeltaTable.forPath(ctx.spark(), wh.path(Table.SUMMARIES));
    Dataset<Row> ids = source.select(col("item_id").as("_n_item_id"));
    Dataset<Row> old =
        summaries.toDF().join(ids, col("item_id").equalTo(col("_n_item_id")), "left_semi")
            .withColumn("superseded_at", current_timestamp())
            .withColumn("superseded_by_run", lit(ctx.runId()));
    DeltaTable.forPath(ctx.spark(), wh.path(Table.SUMMARIES_HISTORY)).as("h")
        .merge(old.as("o"), expr("h.item_id = o.item_id AND h.cache_key = o.cache_key"))
        .whenNotMatched().insertAll()
        .execute();
    summaries.as("t")
        .merge(source.as("s"), expr("t.item_id = s.item_id"))
        .whenMatched().updateAll()
        .whenNotMatched().insertAll()
        .execute();
  }

  private Column cost() {
    return Costs.usd(llm, col("input_tokens"), col("output_tokens"));
  }

  private Column promptVersion() {
    List<Column> kv = new ArrayList<>();
    keys.forEach((id, k) -> {
      kv.add(lit(id));
      kv.add(lit(k.promptVersion()));
    });
    return element_at(map(kv.toArray(Column[]::new)), col("prompt_id"));
  }

  private Column guardrailVersion() {
    return lit(keys.values().iterator().next().guardrailVersion());
  }
}
