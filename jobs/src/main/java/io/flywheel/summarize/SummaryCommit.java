package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.flywheel.cache.CacheKey;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Rows;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import io.flywheel.udfs.Hashing;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Commits one batch of results: the calls to {@code llm_calls} first, then the successes to
 * {@code summaries} (append for new items, MERGE for changed ones, after copying the old rows to
 * {@code summaries_history}). Each write carries a Delta transaction id, so a retried batch is
 * skipped, and a crash loses at most the batch in flight.
 */
final class SummaryCommit {
  private final RunContext ctx;
  private final Warehouse wh;
  private final FlywheelConfig.Llm llm;
  private final Map<String, CacheKey> keys;

  SummaryCommit(RunContext ctx, Map<String, CacheKey> keys) {
    this.ctx = ctx;
    this.wh = ctx.warehouse();
    this.llm = ctx.config().llm();
    this.keys = keys;
  }

  void commitBatch(int batch, List<Row> results, RunLog log) {
    List<Row> calls = new ArrayList<>();
    List<Row> fresh = new ArrayList<>();
    List<Row> changed = new ArrayList<>();
    Date runDate = Date.valueOf(ctx.runDate());
    FlywheelConfig.Price price = llm.pricing().get(llm.model());
    for (Row r : results) {
      String status = r.getString(3);
      List<Row> items = r.getList(2);
      int in = r.getInt(9);
      int out = r.getInt(10);
      double cost = price == null ? 0.0 : (in * price.inputPerMtok() + out * price.outputPerMtok()) / 1e6;
      Timestamp created = r.getTimestamp(17);
      Row first = items.get(0);
      calls.add(RowFactory.create(
          Hashing.sha256Parts(List.of(ctx.runId(), r.getString(0))), ctx.runId(), SummarizeJob.JOB, runDate,
          first.getString(0), items.size(), first.getString(1), r.getString(0), llm.provider(), llm.model(),
          r.getString(7), r.getString(1), promptVersion(r.getString(1)), r.getString(15), r.getString(16), status,
          r.getString(13), r.getString(14), r.getString(8), r.getInt(12), in, out, r.getLong(11), cost, created,
          new Date(created.getTime())));
      log.add("calls", 1);
      log.add(status, 1);
      if (status.startsWith("guardrail_rejected") && r.getString(13) != null) {
        log.add(r.getString(13).replace(':', '_'), 1);
      }
      log.addUsage(in, out, cost);
      if (!status.equals("ok")) {
        continue;
      }
      for (Row item : items) {
        Row summary = RowFactory.create(
            item.getString(0), item.getString(1), r.getString(0), item.getString(2), r.getString(1),
            promptVersion(r.getString(1)), llm.provider(), llm.model(), r.getString(7), r.getString(4),
            Rows.seq(r.getList(5)), Rows.seq(r.getList(6)), keys.get(r.getString(1)).guardrailVersion(),
            item.getTimestamp(3), ctx.runId(), runDate, created);
        (item.getBoolean(4) ? fresh : changed).add(summary);
      }
    }
    String app = "flywheel-" + SummarizeJob.JOB + "-" + ctx.runId();
    ctx.spark().createDataFrame(calls, Table.LLM_CALLS.schema())
        .write().format("delta").mode("append")
        .option("txnAppId", app + "-llm_calls").option("txnVersion", batch)
        .save(wh.path(Table.LLM_CALLS));
    if (!fresh.isEmpty()) {
      ctx.spark().createDataFrame(fresh, Table.SUMMARIES.schema())
          .write().format("delta").mode("append")
          .option("txnAppId", app + "-summaries").option("txnVersion", batch)
          .save(wh.path(Table.SUMMARIES));
    }
    if (!changed.isEmpty()) {
      mergeChanged(ctx.spark().createDataFrame(changed, Table.SUMMARIES.schema()));
    }
    log.add("items_summarized", fresh.size() + changed.size());
  }

  /** Copies the current rows of changed items to history (once per old cache key), then MERGEs. */
  private void mergeChanged(Dataset<Row> source) {
    DeltaTable summaries = DeltaTable.forPath(ctx.spark(), wh.path(Table.SUMMARIES));
    Dataset<Row> old =
        summaries.toDF().join(source.select(col("item_id").as("_n_item_id")), col("item_id").equalTo(col("_n_item_id")), "left_semi")
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

  private int promptVersion(String promptId) {
    return keys.get(promptId).promptVersion();
  }
}
