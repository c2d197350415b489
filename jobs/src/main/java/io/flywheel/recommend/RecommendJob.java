package io.flywheel.recommend;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.embed.EmbeddingCache;
import io.flywheel.job.CallBatches;
import io.flywheel.job.CallLog;
import io.flywheel.job.Job;
import io.flywheel.llm.RateShare;
import io.flywheel.run.Progress;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.TableWrites;
import io.flywheel.catalog.CatalogInput;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Daily recommendations from each user's purchase history, prompted with a seeded shuffle of that
 * history and validated against the catalog. Run it with
 * {@code bin/flywheel recommend --run-date 2026-11-28} (or under spark-submit with the same
 * arguments). See docs/recommend.md.
 */
public final class RecommendJob implements Job {
  static final String JOB = "recommend";

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "suggest catalog items to each user from their purchase history";
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.RECOMMENDATIONS, Table.RECOMMENDATION_USERS, Table.RECOMMENDATION_METRICS,
        Table.RECOMMEND_REJECTS, Table.LLM_CALLS, Table.ITEM_EMBEDDINGS);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.recommend();
  }

  /** Reads the catalog and the purchases, checks them, and finds the users this run still has to call. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    FlywheelConfig.Recommend rec = ctx.config().recommend();
    long t0 = System.nanoTime();
    Dataset<Row> items = catalogItems(ctx);
    Dataset<Row> purchases = readPurchases(ctx.spark(), rec);
    Dataset<Row> checked = withPurchaseChecks(purchases, items.select("item_id"), ctx.runDate()).cache();
    Dataset<Row> histories = withHistories(checked.where(col("reason").isNull()))
        // Kept: the plan counts, the batches' shuffle and the metrics all read it; without the cache each
        // would read the purchases and the catalog again.
        .cache();
    Dataset<Row> recent = recentSuggestions(ctx.warehouse().readOrEmpty(Table.RECOMMENDATIONS), ctx.runDate(), rec);
    Dataset<Row> done = ctx.warehouse().readOrEmpty(Table.RECOMMENDATION_USERS)
        .where(col("run_date").equalTo(lit(Date.valueOf(ctx.runDate()))).and(col("status").equalTo("ok")));
    Dataset<Row> work = withWork(histories, done, recent, ctx.runDate(), rec.orderSensitivitySample());
    for (Row r : checked.groupBy("reason").count().collectAsList()) {
      log.count(r.isNullAt(0) ? "accepted" : "rejected_" + r.getString(0), r.getLong(1));
    }
    long catalogSize = items.count();
    long users = histories.count();
    Row plan = work.agg(count(lit(1)), count(when(col("is_probe"), lit(1)))).first();
    long toCall = plan.getLong(0);
    long probes = plan.getLong(1);
    log.count("catalog_items", catalogSize);
    log.count("users", users);
    log.count("users_done_before", users - toCall);
    log.count("users_to_call", toCall);
    log.count("probe_users", probes);
    log.count("plan_calls", toCall * rec.maxAttempts() + probes);
    log.timed("read_purchases", t0);
    System.out.printf(Locale.ROOT,
        "recommend plan: %d users (%d already done for %s), %d catalog items; %d to %d model calls (%s/%s), %d of them order-sensitivity probes%n",
        users, users - toCall, ctx.runDate(), catalogSize, toCall + probes, toCall * rec.maxAttempts() + probes,
        ctx.config().llm().provider(), ctx.config().llm().model(), probes);
    return new Run(ctx, items, checked, histories, work, toCall);
  }

  /** The planned run: embed the catalog, call the users in batches, rebuild the date's lists and metrics. */
  private record Run(RunContext ctx, Dataset<Row> items, Dataset<Row> checked, Dataset<Row> histories,
      Dataset<Row> work, long toCall) implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      long t0 = System.nanoTime();
      CatalogIndex index = embedCatalog(ctx, log, items);
      log.timed("embed_catalog", t0);
      writes.replaceRunDate(rejectRows(ctx, checked), Table.RECOMMEND_REJECTS, ctx.runDate());
      long t1 = System.nanoTime();
      // Printed even when nothing is called: "calls 0" is what a rerun of a finished date should show.
      log.count("calls", 0);
      if (toCall > 0) {
        callInBatches(ctx, log, writes, index, work, toCall);
      }
      log.timed("calls", t1);
      long t2 = System.nanoTime();
      Dataset<Row> userRows = ctx.warehouse().read(Table.RECOMMENDATION_USERS)
          .where(col("run_date").equalTo(lit(Date.valueOf(ctx.runDate())))).cache();
      writes.replaceRunDate(withListRows(userRows, ctx.runDate()), Table.RECOMMENDATIONS, ctx.runDate());
      log.timed("write", t2);
      DailyMetrics.write(ctx, log, writes, index, histories, userRows);
      userRows.unpersist();
      return null;
    }

    @Override
    public void close() {
      checked.unpersist();
      histories.unpersist();
    }
  }

  /** Per user, the distinct purchased items, most recent first. */
  static Dataset<Row> withHistories(Dataset<Row> validPurchases) {
    return validPurchases.groupBy("user_id")
        .agg(transform(sort_array(collect_list(struct(col("purchased_at"), col("item_id"))), false),
            x -> x.getField("item_id")).as("history"));
  }

  /**
   * The users still to call for {@code runDate}: those without an {@code ok} row in {@code done}
   * (earlier runs of the same date), with their recent suggestions and whether they are in the
   * order-sensitivity sample (a stable hash of user and date below {@code probeShare}).
   */
  static Dataset<Row> withWork(Dataset<Row> histories, Dataset<Row> done, Dataset<Row> recent,
      java.time.LocalDate runDate, double probeShare) {
    Dataset<Row> doneIds = done.select(col("user_id").as("d_user_id"));
    int sampleBasis = (int) Math.round(probeShare * 10_000);
    return histories.join(doneIds, histories.col("user_id").equalTo(doneIds.col("d_user_id")), "left_anti")
        .join(recent, histories.col("user_id").equalTo(recent.col("r_user_id")), "left")
        .select(col("user_id"), col("history"), col("recent"),
            pmod(xxhash64(col("user_id"), lit("order-probe-v1"), lit(runDate.toString())), lit(10_000))
                .lt(sampleBasis).as("is_probe"));
  }

  /** The date's lists, one row per (user, rank), from every user done for the date (by any run of it). */
  static Dataset<Row> withListRows(Dataset<Row> userRows, java.time.LocalDate runDate) {
    Date day = Date.valueOf(runDate);
    Timestamp now = new Timestamp(System.currentTimeMillis());
    return userRows.where(col("status").equalTo("ok"))
        .select(col("user_id"), col("phrasing"), col("run_id"), explode(col("items")).as("f"))
        .select(col("user_id"), lit(day).as("run_date"), col("f.rank").as("rank"), col("f.item_id").as("item_id"),
            col("f.title").as("title"), col("f.score").as("score"), col("f.attempt").as("attempt"),
            col("f.seed").as("seed"), col("f.history_order").as("history_order"), col("phrasing"),
            col("run_id"), lit(now).as("created_at"));
  }

  /**
   * The per-user calls, in batches of {@code recommend.batch_size} users ({@link CallBatches}): each
   * batch's calls go to {@code llm_calls} and its users to {@code recommendation_users}, exactly once.
   * A crash loses at most the batch in flight; the next run of the date calls only the users no
   * committed batch holds.
   */
  private static void callInBatches(RunContext ctx, RunLog log, TableWrites writes, CatalogIndex index,
      Dataset<Row> work, long toCall) {
    SparkSession spark = ctx.spark();
    FlywheelConfig.Recommend rec = ctx.config().recommend();
    FlywheelConfig.Llm llm = ctx.config().llm();
    Date day = Date.valueOf(ctx.runDate());
    // Users left failed or budget-skipped by an earlier run of this date are retried now: their old rows go.
    io.delta.tables.DeltaTable.forPath(spark, ctx.warehouse().path(Table.RECOMMENDATION_USERS))
        .delete(col("run_date").equalTo(lit(day)).and(col("status").notEqual("ok")));
    Broadcast<CatalogIndex> bc = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(index);
    int executors = RateShare.executors(spark.sparkContext(), llm.rateLimit());
    RecommendCalls calls = new RecommendCalls(llm, rec, bc, ctx.runDate(), ctx.runId(), executors);
    long doneBefore = log.get("users_done_before");
    CallBatches.run(ctx, log, work, new CallBatches.Spec(rec.batchSize(), rec.callPartitions(), "user_id",
        new Progress(JOB, toCall, doneBefore, System.out, "users", "done before")), calls, (b, batch) -> {
          Timestamp now = new Timestamp(System.currentTimeMillis());
          CallLog.commit(callColumns(batch), ctx, writes, b, log);
          writes.appendOnce(batch.select(lit(day).as("run_date"), col("user_id"), col("status"), col("phrasing"),
                  col("attempts"), col("final").as("items"), col("first_matched"), col("probe_matched"),
                  col("suggestions"), col("hallucinations"), col("rejected_history"), col("rejected_duplicate"),
                  col("rejected_recent"), size(col("calls")).as("calls"), lit(ctx.runId()).as("run_id"),
                  lit(now).as("created_at")),
              Table.RECOMMENDATION_USERS, b);
          long users = 0;
          for (Row r : batch.groupBy("status").count().collectAsList()) {
            log.add("users_" + r.getString(0), r.getLong(1));
            users += r.getLong(1);
          }
          return users;
        });
    bc.destroy();
    if (log.get("users_budget_skipped") > 0) {
      System.out.printf(Locale.ROOT, "WARNING: %d users were not called because the run's llm.budget is spent;"
          + " the next run of %s calls them%n", log.get("users_budget_skipped"), ctx.runDate());
    }
  }

  /** A batch's calls (one row per model call of each user) with the columns of {@link CallLog#CALL}. */
  static Dataset<Row> callColumns(Dataset<Row> batch) {
    return batch.select(col("user_id"), explode(col("calls")).as("c"))
        .select(col("c.call_id").as("call_id"), col("user_id").as("item_key"), lit(1).as("item_count"),
            lit(null).cast("string").as("cache_key"), lit(null).cast("string").as("request_key"),
            lit(RecommendPrompt.PROMPT_ID).as("prompt_id"), lit(RecommendPrompt.PROMPT_VERSION).as("prompt_version"),
            col("c.reported_model").as("reported_model"), col("c.request").as("request"), col("c.response").as("response"),
            col("c.status").as("status"), col("c.error_class").as("error_class"),
            col("c.error_message").as("error_message"), col("c.finish_reason").as("finish_reason"),
            col("c.attempts").as("attempts"), col("c.input_tokens").as("input_tokens"),
            col("c.output_tokens").as("output_tokens"), col("c.latency_ms").as("latency_ms"),
            col("c.created_at").as("created_at"));
  }

  /** The catalog's usable items: one row per trimmed id, with the text that is embedded and its hash. */
  static Dataset<Row> catalogItems(RunContext ctx) {
    FlywheelConfig.CatalogColumns cols = ctx.config().catalog().columns();
    Dataset<Row> raw = CatalogInput.read(ctx.spark(), ctx.config().catalog());
    Column category = CatalogInput.isBlank(cols.category()) ? lit("") : coalesce(col(cols.category()).cast("string"), lit(""));
    Dataset<Row> items = raw.select(trim(col(cols.id()).cast("string")).as("item_id"),
            trim(col(cols.title()).cast("string")).as("title"), category.as("category"))
        .where(col("item_id").isNotNull().and(col("item_id").notEqual(""))
            .and(col("title").isNotNull()).and(col("title").notEqual("")))
        // A repeated id keeps its smallest (title, category): the choice must not depend on file order.
        .groupBy("item_id").agg(min(struct(col("title"), col("category"))).as("m"))
        .select(col("item_id"), col("m.title").as("title"), col("m.category").as("category"));
    Warehouse wh = ctx.warehouse();
    Dataset<Row> summaries = wh.exists(Table.SUMMARIES)
        ? wh.read(Table.SUMMARIES).select(col("item_id").as("s_item_id"), col("summary"))
        : ctx.spark().createDataFrame(List.of(), StructType.fromDDL("s_item_id STRING, summary STRING"));
    return items.join(summaries, items.col("item_id").equalTo(summaries.col("s_item_id")), "left")
        .withColumn("text", concat_ws(". ", col("title"), col("category"), col("summary")))
        .withColumn("content_hash", sha2(col("text"), 256))
        .select("item_id", "title", "category", "text", "content_hash");
  }

  /**
   * Embeds the catalog through {@link EmbeddingCache}: vectors cached in {@code item_embeddings} under
   * the same item id, content hash and model are reused; the rest are embedded on the executors.
   */
  static CatalogIndex embedCatalog(RunContext ctx, RunLog log, Dataset<Row> items) {
    FlywheelConfig.Recommend rec = ctx.config().recommend();
    Warehouse wh = ctx.warehouse();
    Dataset<Row> cache = rec.cacheEmbeddings()
        ? wh.readOrEmpty(Table.ITEM_EMBEDDINGS)
        : ctx.spark().createDataFrame(List.of(), Table.ITEM_EMBEDDINGS.schema());
    EmbeddingCache.Result embedded = EmbeddingCache.embed(items, "text", List.of("item_id", "content_hash"), cache);
    // Streamed to the driver partition by partition into flat arrays (no list of boxed rows), before
    // the cache is appended to: a re-read of the table must not see this run's rows twice.
    List<String> idList = new ArrayList<>();
    List<String> titleList = new ArrayList<>();
    List<String> catList = new ArrayList<>();
    List<float[]> vecList = new ArrayList<>();
    java.util.Iterator<Row> it = embedded.rows().select("item_id", "title", "category", "embedding")
        .orderBy("item_id").toLocalIterator();
    while (it.hasNext()) {
      Row r = it.next();
      idList.add(r.getString(0));
      titleList.add(r.getString(1));
      catList.add(r.getString(2));
      scala.collection.Seq<Object> v = r.getSeq(3);
      float[] f = new float[v.size()];
      for (int d = 0; d < f.length; d++) {
        f[d] = (Float) v.apply(d);
      }
      vecList.add(f);
    }
    long embeddedCount = embedded.computed();
    log.count("embeddings_computed", embeddedCount);
    log.count("embeddings_cached", idList.size() - embeddedCount);
    if (rec.cacheEmbeddings() && embeddedCount > 0 && !ctx.dryRun()) {
      embedded.newCacheRows().write().format("delta").mode("append").save(wh.path(Table.ITEM_EMBEDDINGS));
    }
    long t = System.nanoTime();
    CatalogIndex index = new CatalogIndex(idList.toArray(String[]::new), titleList.toArray(String[]::new),
        catList.toArray(String[]::new), vecList.toArray(float[][]::new), rec.titleMatchThreshold())
        .withCells(rec.indexCells(), rec.probeCells());
    log.timed("build_index", t);
    log.count("index_cells", index.cells());
    return index;
  }

  /** The purchase histories, or a config error naming the key (missing path, missing column). */
  static Dataset<Row> readPurchases(SparkSession spark, FlywheelConfig.Recommend rec) {
    Dataset<Row> df = CatalogInput.load(spark, "recommend.purchases_path", rec.purchasesFormat(), rec.purchasesPath(),
        Map.of(), " (bin/flywheel generate --users N writes sample purchases)");
    for (String c : List.of("user_id", "item_id", "purchased_at")) {
      if (!List.of(df.columns()).contains(c)) {
        throw new io.flywheel.config.ConfigException("key 'recommend.purchases_path': " + rec.purchasesPath()
            + " has no column '" + c + "' (purchases need user_id, item_id, purchased_at; found "
            + String.join(", ", df.columns()) + ")");
      }
    }
    return df;
  }

  /**
   * Adds {@code reason} (null for a usable row): {@code null_user}, {@code null_item},
   * {@code unknown_item} (not in the catalog), {@code future_purchase} (after the run date).
   */
  static Dataset<Row> withPurchaseChecks(Dataset<Row> purchases, Dataset<Row> catalogIds, java.time.LocalDate runDate) {
    Dataset<Row> ids = catalogIds.select(col("item_id").as("c_item_id"));
    Dataset<Row> p = purchases.select(col("user_id").cast("string").as("raw_user_id"),
            col("item_id").cast("string").as("raw_item_id"), col("purchased_at"),
            to_json(struct(col("*"))).as("raw_row"))
        .withColumn("user_id", trim(col("raw_user_id")))
        .withColumn("item_id", trim(col("raw_item_id")));
    Column reason = when(col("user_id").isNull().or(col("user_id").equalTo("")), lit("null_user"))
        .when(col("item_id").isNull().or(col("item_id").equalTo("")), lit("null_item"))
        .when(col("c_item_id").isNull(), lit("unknown_item"))
        .when(col("purchased_at").geq(lit(Date.valueOf(runDate.plusDays(1))).cast("timestamp")), lit("future_purchase"));
    return p.join(broadcast(ids), p.col("item_id").equalTo(ids.col("c_item_id")), "left")
        .withColumn("reason", reason)
        .select("user_id", "item_id", "purchased_at", "reason", "raw_row");
  }

  /** Per user, the items suggested in the {@code recent_window_days} before the run date, most recent first. */
  static Dataset<Row> recentSuggestions(Dataset<Row> recs, java.time.LocalDate runDate, FlywheelConfig.Recommend rec) {
    Dataset<Row> window = recs.where(col("run_date").lt(lit(Date.valueOf(runDate)))
        .and(col("run_date").geq(lit(Date.valueOf(runDate.minusDays(rec.recentWindowDays()))))));
    if (rec.recentWindowDays() <= 0 || rec.maxRecent() <= 0) {
      window = window.limit(0);
    }
    return window.groupBy(col("user_id").as("r_user_id"))
        .agg(slice(transform(sort_array(collect_list(struct(col("run_date"), negate(col("rank")).as("neg_rank"),
            col("item_id"))), false), x -> x.getField("item_id")), 1, Math.max(1, rec.maxRecent())).as("recent"));
  }

  private static Dataset<Row> rejectRows(RunContext ctx, Dataset<Row> checked) {
    return checked.where(col("reason").isNotNull())
        .select(lit(Date.valueOf(ctx.runDate())).as("run_date"), lit(ctx.runId()).as("run_id"), col("user_id"),
            col("item_id"), col("reason"), col("raw_row"), lit(ctx.config().recommend().purchasesPath()).as("source"));
  }
}
