package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.flywheel.cache.CacheKey;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.guard.SummaryGuardrails;
import io.flywheel.llm.BudgetShares;
import io.flywheel.llm.CallBudget;
import io.flywheel.llm.RateShare;
import io.flywheel.llm.DecodingParams;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.prompt.PromptTemplate;
import io.flywheel.run.BatchPartitions;
import io.flywheel.run.Progress;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Nightly catalog summarization with an ID-keyed Delta cache: only items whose cache key is not in
 * {@code summaries} reach the model. Run it with {@code bin/flywheel summarize --run-date 2026-11-28}
 * or {@code spark-submit --class io.flywheel.Main flywheel-jobs.jar summarize --run-date ...}.
 * See docs/jobs/summarize.md.
 */
public final class SummarizeJob {
  static final String JOB = "summarize";
  /** Above this many misses the join back to the catalog shuffles instead of broadcasting. */
  private static final long BROADCAST_MISSES = 200_000;

  private SummarizeJob() {}

  /** Runs the job; returns its status and counts (also written to {@code runs} and printed). */
  public static RunLog run(RunContext ctx) {
    FlywheelConfig.Summarize s = ctx.config().summarize();
    FlywheelConfig.Columns cols = s.input().columns();
    SparkSession spark = ctx.spark();
    Warehouse wh = ctx.warehouse();
    PromptCatalog prompts = PromptCatalog.load(Path.of(s.promptsDir()));
    Map<String, PromptTemplate> used = usedPrompts(prompts, s.prompts());
    DecodingParams params =
        new DecodingParams(s.decoding().temperature(), s.decoding().topP(), s.decoding().maxOutputTokens(), s.decoding().seed());
    FlywheelConfig.Guardrails g = s.guardrails();
    String guardrailVersion =
        new SummaryGuardrails(g.language(), g.minSummaryChars(), g.maxSummaryChars(), g.maxKeyFeatures(), Set.of()).version();
    Map<String, CacheKey> keys = new LinkedHashMap<>();
    used.forEach((id, p) -> keys.put(id, CacheKey.of(p, ctx.config().llm().provider(), ctx.config().llm().model(),
        params, SummaryCalls.SCHEMA.version(), guardrailVersion)));
    CatalogPrep.KeyPlan plan = new CatalogPrep.KeyPlan(List.copyOf(cols.text()), keys, s.prompts().defaultPrompt(), s.prompts().routes());

    RunLog log = new RunLog(ctx);
    if (!ctx.dryRun()) {
      long t0 = System.nanoTime();
      for (Table t : List.of(Table.SUMMARIES, Table.SUMMARIES_HISTORY, Table.LLM_CALLS, Table.CATALOG_REJECTS)) {
        wh.ensure(t);
      }
      log.started();
      log.timed("start", t0);
    }
    try {
      String status = execute(ctx, log, plan, used, params);
      log.end(status, status.equals("succeeded") ? null : failureMessage(log, s.maxFailureRatio()));
      printSummary(ctx, log, status);
      return log;
    } catch (RuntimeException e) {
      log.failed(e);
      throw e;
    }
  }

  private static String execute(
      RunContext ctx, RunLog log, CatalogPrep.KeyPlan plan, Map<String, PromptTemplate> prompts, DecodingParams params) {
    FlywheelConfig.Summarize s = ctx.config().summarize();
    FlywheelConfig.Columns cols = s.input().columns();
    Warehouse wh = ctx.warehouse();

    Dataset<Row> raw = CatalogInput.read(ctx.spark(), s.input());
    String[] original = raw.columns();
    Dataset<Row> prepared =
        raw.transform(df -> CatalogPrep.withValidation(df, cols, s.maxItemChars()))
            .transform(df -> CatalogPrep.withKeys(df, plan, cols.route()));
    // Reads only the id column of a columnar input: which ids occur more than once.
    Dataset<Row> dupIds =
        raw.select(trim(col(cols.id()).cast("string")).as("_d_id"))
            .where(col("_d_id").isNotNull().and(col("_d_id").notEqual("")))
            .groupBy("_d_id").count().where(col("count").gt(1)).select("_d_id");
    Dataset<Row> flagged =
        prepared.join(broadcast(dupIds), prepared.col(CatalogPrep.ITEM_ID).equalTo(dupIds.col("_d_id")), "left")
            .withColumn(CatalogPrep.IS_DUP_ID, col("_d_id").isNotNull())
            .transform(df -> CatalogPrep.withRawRow(df, original,
                col(CatalogPrep.REASON).isNotNull().or(col(CatalogPrep.IS_DUP_ID))))
            .select(CatalogPrep.ITEM_ID, CatalogPrep.UPDATED_AT, CatalogPrep.TEXT_LEN, CatalogPrep.REASON,
                CatalogPrep.DETAIL, CatalogPrep.CONTENT_HASH, CatalogPrep.PROMPT_ID, CatalogPrep.REQUEST_KEY,
                CatalogPrep.CACHE_KEY, CatalogPrep.RAW, CatalogPrep.IS_DUP_ID)
            // Narrow rows, persisted: the one full scan and hashing of the catalog per run.
            .persist(StorageLevel.MEMORY_AND_DISK());
    Column dupCandidate = col(CatalogPrep.REASON).isNull().and(col(CatalogPrep.IS_DUP_ID));
    Dataset<Row> checked =
        flagged.where(not(dupCandidate))
            .unionByName(flagged.where(dupCandidate).transform(CatalogPrep::withDuplicateRejects));
    try {
      return classifyAndCall(ctx, log, checked, prepared, plan, prompts, params);
    } finally {
      flagged.unpersist();
    }
  }

  private static String classifyAndCall(
      RunContext ctx, RunLog log, Dataset<Row> checked, Dataset<Row> prepared, CatalogPrep.KeyPlan plan,
      Map<String, PromptTemplate> prompts, DecodingParams params) {
    FlywheelConfig.Summarize s = ctx.config().summarize();
    Warehouse wh = ctx.warehouse();
    Map<String, Long> byReason = new LinkedHashMap<>();
    long read = 0;
    long t0 = System.nanoTime();
    for (Row r : checked.groupBy(CatalogPrep.REASON).count().collectAsList()) {
      read += r.getLong(1);
      byReason.put(r.isNullAt(0) ? "accepted" : r.getString(0), r.getLong(1));
    }
    long accepted = byReason.getOrDefault("accepted", 0L);
    log.count("items_read", read);
    log.count("items_accepted", accepted);
    log.count("items_rejected", read - accepted);
    byReason.forEach((k, v) -> { if (!k.equals("accepted")) log.count("rejected_" + k, v); });

    // One pass over the accepted rows: summaries has one row per item, so a left join on the id
    // tells both whether the item is known and whether its current cache key is a hit.
    log.timed("read_validate", t0);
    Dataset<Row> valid = checked.where(col(CatalogPrep.REASON).isNull());
    Dataset<Row> cached = wh.readOrEmpty(Table.SUMMARIES).select(col("item_id").as("_s_item_id"), col("cache_key").as("_s_cache_key"));
    Dataset<Row> knownBad =
        s.retryRejected()
            ? ctx.spark().emptyDataFrame().withColumn("_b_request_key", lit(null).cast("string"))
            : wh.readOrEmpty(Table.LLM_CALLS)
                .where(col("job").equalTo(JOB).and(col("status").isin("guardrail_rejected", "failed")))
                .select(col("request_key").as("_b_request_key")).distinct();
    Dataset<Row> classified =
        valid.join(cached, valid.col(CatalogPrep.ITEM_ID).equalTo(cached.col("_s_item_id")), "left")
            .join(knownBad, col(CatalogPrep.REQUEST_KEY).equalTo(knownBad.col("_b_request_key")), "left")
            .select(col(CatalogPrep.ITEM_ID).as("_m_item_id"), col(CatalogPrep.CONTENT_HASH).as("_m_content_hash"),
                col(CatalogPrep.CACHE_KEY).as("_m_cache_key"), col(CatalogPrep.UPDATED_AT).as("_m_updated_at"),
                col("_s_item_id").isNull().as("_m_is_new"), col(CatalogPrep.REQUEST_KEY).as("_m_request_key"),
                col(CatalogPrep.TEXT_LEN).as("_m_text_len"),
                coalesce(col("_s_cache_key").equalTo(col(CatalogPrep.CACHE_KEY)), lit(false)).as("_hit"),
                col("_b_request_key").isNotNull().as("_known_bad"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Column isMiss = not(col("_hit")).and(not(col("_known_bad")));
    Dataset<Row> misses = classified.where(isMiss);
    try {
      long t1 = System.nanoTime();
      Row m = classified.agg(
              count(when(isMiss, lit(1))), countDistinct(when(isMiss, col("_m_request_key"))),
              coalesce(sum(when(isMiss, col("_m_text_len"))), lit(0L)), count(when(col("_hit"), lit(1))))
          .first();
      long missCount = m.getLong(0);
      long requests = m.getLong(1);
      long hits = m.getLong(3);
      log.timed("lookup", t1);
      log.count("cache_hits", hits);
      log.count("known_rejected_skipped", accepted - hits - missCount);
      log.count("items_to_summarize", missCount);
      log.count("requests_planned", requests);
      printPlan(ctx, log, requests, missCount, m.getLong(2));
      if (ctx.dryRun()) {
        return "dry_run";
      }
      long t2 = System.nanoTime();
      writeRejects(ctx, checked);
      log.timed("write_rejects", t2);
      if (requests == 0) {
        log.count("calls", 0);
        return "succeeded";
      }
      long t3 = System.nanoTime();
      String status = callInBatches(ctx, log, prepared, misses, missCount, requests, plan, prompts, params, hits);
      log.timed("calls", t3);
      return status;
    } finally {
      classified.unpersist();
    }
  }

  private static String callInBatches(
      RunContext ctx, RunLog log, Dataset<Row> prepared, Dataset<Row> misses, long missCount, long requests,
      CatalogPrep.KeyPlan plan, Map<String, PromptTemplate> prompts, DecodingParams params, long hits) {
    FlywheelConfig.Summarize s = ctx.config().summarize();
    FlywheelConfig.Guardrails g = s.guardrails();
    Set<String> brands = new HashSet<>();
    for (Row r : prepared.where(col(CatalogPrep.BRAND).isNotNull().and(col(CatalogPrep.BRAND).notEqual("")))
        .select(lower(col(CatalogPrep.BRAND))).distinct().limit(1_000_000).collectAsList()) {
      brands.add(r.getString(0));
    }
    SummaryGuardrails guardrails =
        new SummaryGuardrails(g.language(), g.minSummaryChars(), g.maxSummaryChars(), g.maxKeyFeatures(), brands);
    FlywheelConfig.Llm llm = ctx.config().llm();
    int executors = RateShare.executors(ctx.spark().sparkContext(), llm.rateLimit());
    FlywheelConfig.RateLimit rl = llm.rateLimit();
    if (rl.requestsPerMinute() > 0 || rl.tokensPerMinute() > 0) {
      System.out.printf(Locale.ROOT, "rate limit shared by %d executor JVMs: each paces itself to %s requests/min, %s tokens/min%n",
          executors, rl.requestsPerMinute() > 0 ? String.format(Locale.ROOT, "%.1f", (double) rl.requestsPerMinute() / executors) : "unlimited",
          rl.tokensPerMinute() > 0 ? String.format(Locale.ROOT, "%.0f", (double) rl.tokensPerMinute() / executors) : "unlimited");
    }
    SummaryCalls calls =
        new SummaryCalls(llm, prompts, List.copyOf(s.input().columns().text()), params, guardrails,
            g.language(), g.maxSummaryChars(), executors, ctx.runId());
    Dataset<Row> missSide = missCount <= BROADCAST_MISSES ? broadcast(misses) : misses;
    Dataset<Row> wide =
        prepared.where(col(CatalogPrep.REASON).isNull())
            .join(missSide, prepared.col(CatalogPrep.ITEM_ID).equalTo(missSide.col("_m_item_id"))
                .and(prepared.col(CatalogPrep.CONTENT_HASH).equalTo(missSide.col("_m_content_hash"))));
    Dataset<Row> work =
        wide.groupBy(col("_m_request_key").as("request_key"))
            .agg(first(col(CatalogPrep.PROMPT_ID)).as("prompt_id"), first(col(CatalogPrep.FIELDS)).as("fields"),
                array_sort(collect_set(struct(col("_m_item_id").as("item_id"), col("_m_cache_key").as("cache_key"),
                    col("_m_content_hash").as("content_hash"), col("_m_updated_at").as("updated_at"),
                    col("_m_is_new").as("is_new")))).as("items"));
    int parallel = s.callPartitions() > 0 ? s.callPartitions() : ctx.spark().sparkContext().defaultParallelism();
    int batches = (int) Math.max(1, (requests + s.batchSize() - 1) / s.batchSize());
    // One shuffle for every batch (and the budget's estimates): each batch computes a slice of it.
    JavaRDD<Row> shuffled = work.repartition(batches * parallel, col("request_key")).javaRDD();
    List<Row> estimates = hasBudget(llm) ? shuffled.mapPartitions(calls::partitionEstimates).collect() : null;

    SummaryCommit commit = new SummaryCommit(ctx, plan.byPrompt());
    Progress progress = new Progress(JOB, requests, hits, System.out);
    long done = 0;
    for (int b = 0; b < batches; b++) {
      CallBudget[] shares = BudgetShares.of(llm.budget(), estimates, b * parallel, parallel, log.get("calls_sent"), log.costUsd());
      JavaRDD<Row> results =
          BatchPartitions.of(shuffled.rdd(), b * parallel, parallel).toJavaRDD()
              .mapPartitionsWithIndex((i, it) -> calls.callPartition(it, shares[i]), false);
      // Results stay on the executors: the batch's partitions are computed once (the model calls
      // happen here) and checkpointed, so the writes below never recompute, hence never re-call.
      Dataset<Row> batch = ctx.spark().createDataFrame(results, SummaryCalls.RESULT_SCHEMA).localCheckpoint(true);
      long before = log.get("calls") + log.get("budget_skipped");
      commit.commitBatch(b, batch, log);
      done += log.get("calls") + log.get("budget_skipped") - before;
      progress.update(done, log.get("calls"), log.get("failed") + log.get("retryable_error"));
      batch.unpersist();
    }
    log.count("model_mismatch", commit.mismatchedModels().values().stream().mapToLong(Long::longValue).sum());
    printWarnings(llm, log, commit.mismatchedModels());
    if (llm.failOnModelMismatch() && log.get("error_model_mismatch") > 0) {
      return "failed";
    }
    double failureRatio = log.get("calls") == 0 ? 0.0
        : (double) (log.get("failed") + log.get("retryable_error")) / log.get("calls");
    return failureRatio > s.maxFailureRatio() ? "failed" : "succeeded";
  }

  private static void writeRejects(RunContext ctx, Dataset<Row> checked) {
    Warehouse wh = ctx.warehouse();
    checked.where(col(CatalogPrep.REASON).isNotNull())
        .select(lit(java.sql.Date.valueOf(ctx.runDate())).as("run_date"), lit(ctx.runId()).as("run_id"),
            col(CatalogPrep.ITEM_ID).as("item_id"), col(CatalogPrep.REASON).as("reason"),
            col(CatalogPrep.DETAIL).as("detail"), col(CatalogPrep.RAW).as("raw_row"),
            lit(ctx.config().summarize().input().path()).as("source"))
        .write().format("delta").mode("overwrite")
        .option("replaceWhere", "run_date = DATE'" + ctx.runDate() + "'")
        .save(wh.path(Table.CATALOG_REJECTS));
  }

  private static Map<String, PromptTemplate> usedPrompts(PromptCatalog catalog, FlywheelConfig.Prompts p) {
    Set<String> ids = new TreeSet<>(p.routes().values());
    ids.add(p.defaultPrompt());
    Map<String, PromptTemplate> used = new LinkedHashMap<>();
    for (String id : ids) {
      used.put(id, catalog.get(id));
    }
    return used;
  }

  private static void printPlan(RunContext ctx, RunLog log, long requests, long items, long textChars) {
    FlywheelConfig.Llm llm = ctx.config().llm();
    // About 4 characters per token, plus the template's own words.
    long inTokens = textChars / 4 + requests * 150;
    long outTokens = requests * ctx.config().summarize().decoding().maxOutputTokens();
    FlywheelConfig.Price price = llm.pricing().get(llm.model());
    double cost = price == null ? 0 : price.costUsd(inTokens, outTokens);
    log.count("plan_calls", requests);
    log.count("plan_input_tokens", inTokens);
    log.count("plan_output_tokens", outTokens);
    log.count("plan_cost_microusd", Math.round(cost * 1e6));
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "summarize plan: %d items to summarize in %d model calls (%s/%s), est. %d input + %d output tokens, est. cost $%.4f%s%n",
        items, requests, llm.provider(), llm.model(), inTokens, outTokens, cost,
        price == null && !llm.provider().equals("local") ? " (no price configured for this model)" : ""));
    FlywheelConfig.Budget b = llm.budget();
    if (b.maxCalls() > 0 || b.maxCostUsd() > 0) {
      long byCalls = b.maxCalls() > 0 ? b.maxCalls() : requests;
      long byCost = b.maxCostUsd() > 0 && cost > 0 ? (long) Math.floor(requests * b.maxCostUsd() / cost) : requests;
      long capped = Math.min(requests, Math.min(byCalls, byCost));
      sb.append(String.format(Locale.ROOT,
          "  budget: max_calls %s, max_cost_usd %s: about %d calls fit, the other %d will be budget_skipped%n",
          b.maxCalls() > 0 ? Long.toString(b.maxCalls()) : "none",
          b.maxCostUsd() > 0 ? String.format(Locale.ROOT, "$%.4f", b.maxCostUsd()) : "none", capped, requests - capped));
    }
    if (!llm.provider().equals("local")) {
      FlywheelConfig.RateLimit rl = llm.rateLimit();
      sb.append(String.format(Locale.ROOT, "  limits: %s requests/min, %s tokens/min for the job; %d calls in flight per executor%n",
          rl.requestsPerMinute() > 0 ? Integer.toString(rl.requestsPerMinute()) : "no limit on",
          rl.tokensPerMinute() > 0 ? Long.toString(rl.tokensPerMinute()) : "no limit on", llm.maxConcurrency()));
    }
    System.out.print(sb);
  }

  private static boolean hasBudget(FlywheelConfig.Llm llm) {
    return llm.budget().maxCalls() > 0 || llm.budget().maxCostUsd() > 0;
  }

  private static void printWarnings(FlywheelConfig.Llm llm, RunLog log, Map<String, Long> mismatched) {
    if (!mismatched.isEmpty()) {
      System.out.printf(Locale.ROOT, "WARNING: %d calls were answered by a model other than the pinned %s: %s%s%n",
          log.get("model_mismatch"), llm.model(), mismatched,
          llm.failOnModelMismatch() ? " (llm.fail_on_model_mismatch: those rows are retryable_error and the run fails)" : "");
    }
    if (log.get("budget_skipped") > 0) {
      System.out.printf(Locale.ROOT, "WARNING: %d requests were not sent because the run's llm.budget is spent;"
          + " they are budget_skipped and the next run sends them%n", log.get("budget_skipped"));
    }
    if (log.get("error_circuit_open") > 0) {
      System.out.printf(Locale.ROOT, "WARNING: %d requests were not sent because the circuit breaker opened"
          + " (the provider kept failing); they are retryable_error and the next run sends them%n", log.get("error_circuit_open"));
    }
  }

  private static String failureMessage(RunLog log, double max) {
    if (log.get("error_model_mismatch") > 0 && log.get("calls") > 0
        && (double) (log.get("failed") + log.get("retryable_error")) / log.get("calls") <= max) {
      return log.get("error_model_mismatch") + " calls answered by a model other than the pinned one (llm.fail_on_model_mismatch)";
    }
    return String.format(Locale.ROOT, "%d failed + %d retryable of %d calls exceeds max_failure_ratio %.3f",
        log.get("failed"), log.get("retryable_error"), log.get("calls"), max);
  }

  private static void printSummary(RunContext ctx, RunLog log, String status) {
    long seconds = java.time.Duration.between(ctx.startedAt(), java.time.Instant.now()).toSeconds();
    StringBuilder phases = new StringBuilder();
    log.counts().forEach((k, v) -> {
      if (k.startsWith("ms_")) phases.append(String.format(Locale.ROOT, " %s %.1fs", k.substring(3), v / 1000.0));
    });
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%n== summarize %s (run %s, run date %s) in %ds ==%n", status, ctx.runId(), ctx.runDate(), seconds));
    for (String k : List.of("items_read", "items_rejected", "items_accepted", "cache_hits", "known_rejected_skipped",
        "items_to_summarize", "calls", "ok", "guardrail_rejected", "retryable_error", "failed", "budget_skipped",
        "model_mismatch", "items_summarized")) {
      sb.append(String.format(Locale.ROOT, "  %-24s %d%n", k, log.get(k)));
    }
    log.counts().forEach((k, v) -> {
      if (k.startsWith("rejected_") || k.startsWith("guardrail_") || k.startsWith("error_")) {
        if (!k.equals("guardrail_rejected")) sb.append(String.format(Locale.ROOT, "    %-22s %d%n", k, v));
      }
    });
    sb.append(String.format(Locale.ROOT, "  %-24s %d in / %d out%n", "tokens", log.inputTokens(), log.outputTokens()));
    sb.append(String.format(Locale.ROOT, "  %-24s $%.4f%n", "estimated cost", log.costUsd()));
    sb.append(String.format(Locale.ROOT, "  %-24s%s%n", "time by phase", phases));
    System.out.print(sb);
  }
}
