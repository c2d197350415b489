package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.flywheel.cache.CacheKey;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.CallLog;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
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
 * changed ones, after copying their old rows to {@code summaries_history}). Each append is made
 * exactly once ({@link TableWrites#appendOnce}), and a crash loses at most the batch in flight.
 */
final class SummaryCommit {
  private final RunContext ctx;
  private final Warehouse wh;
  private final FlywheelConfig.Llm llm;
  private final Map<String, CacheKey> keys;
  private final TableWrites writes;
  private final RunLog log;
  private final Map<String, Long> mismatched = new TreeMap<>();

  SummaryCommit(RunContext ctx, Map<String, CacheKey> keys, TableWrites writes, RunLog log) {
    this.ctx = ctx;
    this.wh = ctx.warehouse();
    this.llm = ctx.config().llm();
    this.keys = keys;
    this.writes = writes;
    this.log = log;
  }

  /** Commits batch {@code batch}; returns how many requests it held. */
  long commitBatch(int batch, Dataset<Row> results) {
    CallLog.commit(callColumns(results), ctx, writes, batch, log).forEach((m, n) -> mismatched.merge(m, n, Long::sum));
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
      writes.appendOnce(ok.where(col("_is_new")).drop("_is_new"), Table.SUMMARIES, batch);
    }
    if (changed > 0) {
      mergeChanged(ok.where(not(col("_is_new"))).drop("_is_new"));
    }
    log.add("items_summarized", fresh + changed);
    return results.count();
  }

  /** The batch's calls, one per request, with the columns of {@link CallLog#CALL}. */
  Dataset<Row> callColumns(Dataset<Row> results) {
    List<Column> columns = new ArrayList<>(List.of(
        sha2(concat_ws("|", lit(ctx.runId()), col("request_key")), 256).as("call_id"),
        col("items").getItem(0).getField("item_id").as("item_key"),
        size(col("items")).as("item_count"),
        col("items").getItem(0).getField("cache_key").as("cache_key"),
        col("request_key"),
        col("prompt_id"),
        promptVersion().as("prompt_version")));
    columns.addAll(CallLog.outcomeColumns());
    return results.select(columns.toArray(Column[]::new));
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
