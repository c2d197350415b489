package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.flywheel.catalog.CatalogInput;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.CallBatches;
import io.flywheel.job.Job;
import io.flywheel.llm.RateShare;
import io.flywheel.run.Progress;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Nightly catalog summarization with an ID-keyed Delta cache: only items whose cache key is not in
 * {@code summaries} reach the model. Run it with {@code bin/flywheel summarize --run-date 2026-11-28}
 * or {@code spark-submit --class io.flywheel.Main flywheel-jobs.jar summarize --run-date ...}.
 * See docs/jobs/summarize.md.
 */
public final class SummarizeJob implements Job {
  static final String JOB = "summarize";
  /** Above this many misses the join back to the catalog shuffles instead of broadcasting. */
  private static final long BROADCAST_MISSES = 200_000;
  /**
   * Up to this many rows of {@code summaries} (item id and cache key, about 100 bytes each) are
   * broadcast into the catalog scan so that the prompt-injection check skips the cache hits; a larger
   * cache leaves every item checked rather than shuffle the catalog's text.
   */
  static final long HIT_SKIP_MAX_SUMMARIES = 1_000_000;

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "summarize the catalog; only cache misses reach the model";
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.SUMMARIES, Table.SUMMARIES_HISTORY, Table.LLM_CALLS, Table.CATALOG_REJECTS);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.summarize();
  }

  @Override
  public Map<String, String> options() {
    return Map.of("shadow", "summarize.shadow");
  }

  /** Reads, validates and keys the catalog, and looks every item up in the cache. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    SummarySetup setup = SummarySetup.of(ctx.config());
    FlywheelConfig.Summarize s = ctx.config().summarize();
    boolean shadow = !CatalogInput.isBlank(s.shadow());
    if (shadow) {
      if (!ctx.warehouse().root().endsWith("/" + ShadowRun.FOLDER + "/" + s.shadow())) {
        // Only ShadowRun.resolve (Main) moves the warehouse; sampling into production tables would be wrong.
        throw new io.flywheel.config.ConfigException("key 'summarize.shadow': a shadow run writes under <warehouse.root>/"
            + ShadowRun.FOLDER + "/" + s.shadow() + ", but this run's warehouse is " + ctx.warehouse().root()
            + "; start it with flywheel summarize --shadow " + s.shadow());
      }
      System.out.printf(Locale.ROOT, "shadow run '%s': its sample of the catalog, into %s (production tables untouched)%n",
          s.shadow(), ctx.warehouse().root());
    }
    Dataset<Row> raw = CatalogInput.read(ctx.spark(), ctx.config().catalog());
    if (shadow) {
      raw = ShadowRun.sample(raw, ctx.config().catalog().columns().id(), s.shadows().get(s.shadow()));
    }
    Dataset<Row> summaries = ctx.warehouse().readOrEmpty(Table.SUMMARIES);
    // Small enough to broadcast beside the scan: then the injection check skips the cache hits.
    Dataset<Row> cached = summaries.count() <= HIT_SKIP_MAX_SUMMARIES ? summaries : null;
    Dataset<Row> prepared = raw
        .transform(df -> CatalogPrep.withValidation(df, ctx.config().catalog().columns(), ctx.config().summarize().maxItemChars()))
        .transform(df -> CatalogPrep.withKeys(df, setup.keyPlan(), ctx.config().catalog().columns().category()))
        .transform(df -> CatalogPrep.withInjectionCheck(df, cached));
    // Narrow rows, persisted: the one full scan, normalization and hashing of the catalog per run
    // (the duplicate-id step reads them twice).
    Dataset<Row> flagged = CatalogPrep.withDuplicateIdFlags(prepared, raw, ctx.config().catalog().columns().id())
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> checked = CatalogPrep.withDuplicateIdRejects(flagged);
    long accepted = countByReason(checked, log);
    log.timed("read_validate", t0);
    long t1 = System.nanoTime();
    Dataset<Row> classified = CacheLookup.withCacheLookup(checked.where(col(CatalogPrep.REASON).isNull()),
            summaries, knownBadRequests(ctx))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Row m = classified.agg(
            count(when(CacheLookup.IS_MISS, lit(1))), countDistinct(when(CacheLookup.IS_MISS, col("_m_request_key"))),
            coalesce(sum(when(CacheLookup.IS_MISS, col("_m_text_len"))), lit(0L)), count(when(col("_hit"), lit(1))))
        .first();
    long misses = m.getLong(0);
    long requests = m.getLong(1);
    long hits = m.getLong(3);
    log.timed("lookup", t1);
    log.count("cache_hits", hits);
    log.count("known_rejected_skipped", accepted - hits - misses);
    log.count("items_to_summarize", misses);
    log.count("requests_planned", requests);
    printPlan(ctx, log, requests, misses, m.getLong(2));
    return new Run(ctx, setup, prepared, flagged, classified, new Planned(requests, misses, hits));
  }

  /** Counts items read, accepted and rejected (by reason) into {@code log}; returns the accepted. */
  private static long countByReason(Dataset<Row> checked, RunLog log) {
    Map<String, Long> byReason = new LinkedHashMap<>();
    long read = 0;
    for (Row r : checked.groupBy(CatalogPrep.REASON).count().collectAsList()) {
      read += r.getLong(1);
      byReason.put(r.isNullAt(0) ? "accepted" : r.getString(0), r.getLong(1));
    }
    long accepted = byReason.getOrDefault("accepted", 0L);
    log.count("items_read", read);
    log.count("items_accepted", accepted);
    log.count("items_rejected", read - accepted);
    byReason.forEach((k, v) -> {
      if (!k.equals("accepted")) {
        log.count("rejected_" + k, v);
      }
    });
    return accepted;
  }

  /** Request keys that failed a guardrail or failed permanently before: not sent again unless asked. */
  private static Dataset<Row> knownBadRequests(RunContext ctx) {
    if (ctx.config().summarize().retryRejected()) {
      return ctx.spark().emptyDataFrame().withColumn("request_key", lit(null).cast("string"));
    }
    return ctx.warehouse().readOrEmpty(Table.LLM_CALLS)
        .where(col("job").equalTo(JOB).and(col("status").isin("guardrail_rejected", "failed")))
        .select("request_key");
  }

  /** What the lookup found: distinct requests to send, items they serve, cache hits. */
  private record Planned(long requests, long misses, long hits) {}

  /** The planned run: write the rejects, call the model for the misses in batches, commit them. */
  private record Run(RunContext ctx, SummarySetup setup, Dataset<Row> prepared, Dataset<Row> flagged,
      Dataset<Row> classified, Planned planned) implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      long t0 = System.nanoTime();
      writeRejects(ctx, writes, CatalogPrep.withDuplicateIdRejects(flagged));
      log.timed("write_rejects", t0);
      log.count("calls", 0);
      if (planned.requests() == 0) {
        return null;
      }
      long t1 = System.nanoTime();
      FlywheelConfig.Summarize s = ctx.config().summarize();
      SummaryCommit commit = new SummaryCommit(ctx, setup.keyPlan().byPrompt(), writes, log);
      Dataset<Row> work = work(prepared, classified, planned.misses());
      CallBatches.run(ctx, log, work, new CallBatches.Spec(s.batchSize(), s.callPartitions(), "request_key",
          new Progress(JOB, planned.requests(), planned.hits(), System.out)), calls(), commit::commitBatch);
      log.timed("calls", t1);
      return printWarnings(ctx.config().llm(), log, commit.mismatchedModels());
    }

    /** The executor side: the prompts, the guardrails (with the catalog's brands) and the provider. */
    private SummaryCalls calls() {
      Set<String> brands = new HashSet<>();
      for (Row r : prepared.where(col(CatalogPrep.BRAND).isNotNull().and(col(CatalogPrep.BRAND).notEqual("")))
          .select(lower(col(CatalogPrep.BRAND))).distinct().limit(1_000_000).collectAsList()) {
        brands.add(r.getString(0));
      }
      FlywheelConfig.Llm llm = ctx.config().llm();
      int executors = RateShare.executors(ctx.spark().sparkContext(), llm.rateLimit());
      FlywheelConfig.RateLimit rl = llm.rateLimit();
      if (rl.requestsPerMinute() > 0 || rl.tokensPerMinute() > 0) {
        System.out.printf(Locale.ROOT, "rate limit shared by %d executor JVMs: each paces itself to %s requests/min, %s tokens/min%n",
            executors, rl.requestsPerMinute() > 0 ? String.format(Locale.ROOT, "%.1f", (double) rl.requestsPerMinute() / executors) : "unlimited",
            rl.tokensPerMinute() > 0 ? String.format(Locale.ROOT, "%.0f", (double) rl.tokensPerMinute() / executors) : "unlimited");
      }
      return new SummaryCalls(llm, setup, SummarySetup.guardrails(ctx.config(), brands), executors, ctx.runId());
    }

    @Override
    public void close() {
      classified.unpersist();
      flagged.unpersist();
    }
  }

  /** One work row per distinct request among the misses: the prompt, its fields and the items it serves. */
  static Dataset<Row> work(Dataset<Row> prepared, Dataset<Row> classified, long missCount) {
    Dataset<Row> misses = classified.where(CacheLookup.IS_MISS);
    Dataset<Row> missSide = missCount <= BROADCAST_MISSES ? broadcast(misses) : misses;
    // No filter on the reject reason: the misses are valid rows, and the join on id and content
    // hash finds only those, so the validation (and its injection check) is not evaluated again.
    Dataset<Row> wide =
        prepared
            .join(missSide, prepared.col(CatalogPrep.ITEM_ID).equalTo(missSide.col("_m_item_id"))
                .and(prepared.col(CatalogPrep.CONTENT_HASH).equalTo(missSide.col("_m_content_hash"))));
    return wide.groupBy(col("_m_request_key").as("request_key"))
        .agg(first(col(CatalogPrep.PROMPT_ID)).as("prompt_id"), first(col(CatalogPrep.FIELDS)).as("fields"),
            array_sort(collect_set(struct(col("_m_item_id").as("item_id"), col("_m_cache_key").as("cache_key"),
                col("_m_content_hash").as("content_hash"), col("_m_updated_at").as("updated_at"),
                col("_m_is_new").as("is_new")))).as("items"));
  }

  private static void writeRejects(RunContext ctx, TableWrites writes, Dataset<Row> checked) {
    writes.replaceRunDate(checked.where(col(CatalogPrep.REASON).isNotNull())
        .select(lit(java.sql.Date.valueOf(ctx.runDate())).as("run_date"), lit(ctx.runId()).as("run_id"),
            col(CatalogPrep.ITEM_ID).as("item_id"), col(CatalogPrep.REASON).as("reason"),
            col(CatalogPrep.DETAIL).as("detail"), col(CatalogPrep.RAW).as("raw_row"),
            lit(ctx.config().catalog().path()).as("source")), Table.CATALOG_REJECTS, ctx.runDate());
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

  /** Prints what the user should know about the calls; returns why the run failed, or null. */
  private static String printWarnings(FlywheelConfig.Llm llm, RunLog log, Map<String, Long> mismatched) {
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
    if (llm.failOnModelMismatch() && log.get("error_model_mismatch") > 0) {
      return log.get("error_model_mismatch") + " calls answered by a model other than the pinned one (llm.fail_on_model_mismatch)";
    }
    return null;
  }
}
