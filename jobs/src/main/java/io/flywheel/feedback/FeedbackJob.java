package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * Fine-tune datasets from human feedback: reads the feedback events not consumed yet, joins them to
 * {@code llm_calls}, maps them to {@code sft_examples}, {@code preference_pairs}, {@code kto_examples}
 * and {@code binary_labels}, cleans them, and records every event read in {@code feedback_consumed}
 * and every unusable one in {@code feedback_rejects}. Run it with
 * {@code bin/flywheel feedback --run-date 2026-11-28}. See docs/feedback.md#the-feedback-job.
 */
public final class FeedbackJob implements Job {
  static final String JOB = "feedback";

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "fine-tune datasets (SFT, preference, KTO, binary labels) from new feedback events";
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.SFT_EXAMPLES, Table.PREFERENCE_PAIRS, Table.KTO_EXAMPLES, Table.BINARY_LABELS,
        Table.FEEDBACK_REJECTS, Table.FEEDBACK_CONSUMED);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.feedback();
  }

  /** The table a dataset is stored in. */
  public static Table table(FeedbackDataset d) {
    return switch (d) {
      case SFT_EXAMPLES -> Table.SFT_EXAMPLES;
      case PREFERENCE_PAIRS -> Table.PREFERENCE_PAIRS;
      case KTO_EXAMPLES -> Table.KTO_EXAMPLES;
      case BINARY_LABELS -> Table.BINARY_LABELS;
    };
  }

  /** Reads the events of the run date's window that no run consumed yet. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.Feedback f = ctx.config().feedback();
    Warehouse wh = ctx.warehouse();
    Dataset<Row> ledger = wh.readOrEmpty(Table.FEEDBACK_CONSUMED);
    Dataset<Row> events = ConsumedEvents.filterWindow(readEvents(ctx.spark(), f), ctx.runDate())
        .transform(ConsumedEvents::withEventKey);
    Dataset<Row> fresh = ConsumedEvents.filterUnconsumed(events, ledger, wh.readOrEmpty(Table.FORGOTTEN_USERS))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long read = fresh.count();
    log.count("events_read", read);
    log.count("plan_calls", 0);
    log.timed("read", t0);
    System.out.printf(Locale.ROOT, "feedback plan: %d events not consumed yet with event_time before %s (UTC) in %s;"
        + " no model calls%n", read, ctx.runDate().plusDays(1), f.eventsPath());
    return new Run(ctx, fresh, ledger, read);
  }

  /**
   * The events input ({@code feedback.events_path}, {@code feedback.events_format}) with the columns
   * of {@link FeedbackEvents#SCHEMA}, cast to their types; a missing input or column is a config error
   * naming the key.
   */
  public static Dataset<Row> readEvents(SparkSession spark, FlywheelConfig.Feedback f) {
    String path = f.eventsPath();
    Dataset<Row> raw = io.flywheel.catalog.CatalogInput.load(spark, "feedback.events_path", f.eventsFormat(), path,
        java.util.Map.of(), " (flywheel generate --feedback writes sample events there)");
    Set<String> have = new java.util.HashSet<>(Arrays.asList(raw.columns()));
    List<Column> cols = new ArrayList<>();
    for (StructField field : FeedbackEvents.SCHEMA.fields()) {
      if (!have.contains(field.name())) {
        throw new ConfigException("key 'feedback.events_path': the feedback events at " + path + " have no column '"
            + field.name() + "' (they need " + String.join(", ", FeedbackEvents.SCHEMA.fieldNames()) + ")");
      }
      cols.add(col(field.name()).cast(field.dataType()).as(field.name()));
    }
    return raw.select(cols.toArray(Column[]::new));
  }

  /** The planned run: check the new events (and the consumed ones they compete with), map, clean, write. */
  private record Run(RunContext ctx, Dataset<Row> fresh, Dataset<Row> ledger, long read) implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      FlywheelConfig.Feedback f = ctx.config().feedback();
      for (String c : List.of("events_used", "events_rejected")) {
        log.count(c, 0);
      }
      if (read == 0) {
        // A rerun of a date, or nothing arrived: nothing to write, so the tables stay exactly as they are.
        return null;
      }
      long t0 = System.nanoTime();
      Dataset<Row> ledgerIds = ledger.select(col("event_id").as("_l_event_id")).distinct();
      // An event id consumed before, arriving again with a difference (a retry with a later time): a duplicate.
      Dataset<Row> redelivered = fresh.join(ledgerIds, fresh.col("event_id").equalTo(ledgerIds.col("_l_event_id")), "left_semi");
      // The intermediate results below are local checkpoints rather than caches: their plans stay one
      // node instead of nesting every plan before them (planning those, and printing them for the UI,
      // cost more than the work), and they do not depend on the ledger any more, whose writes at the
      // end would drop a cache built on it and compute it again from the changed table.
      // Payloads parsed once: the re-check set, the calls to read and the checks all need them.
      Dataset<Row> candidates = FeedbackEvents.withParsedPayload(
              fresh.join(ledgerIds, fresh.col("event_id").equalTo(ledgerIds.col("_l_event_id")), "left_anti"))
          .localCheckpoint();
      // A ledger with no event that takes part in precedence (a first run) has nothing to check again:
      // looking for it would still shuffle every new event's subject and calls.
      Dataset<Row> recheck = ledger.filter(ConsumedEvents.recheckable()).isEmpty()
          ? ledger.filter(lit(false)) : ConsumedEvents.recheckSet(candidates, ledger).localCheckpoint();
      List<Column> raw = new ArrayList<>(List.of(col("event_key")));
      raw.addAll(Arrays.asList(ConsumedEvents.rawColumns()));
      Dataset<Row> batch = candidates.withColumn("is_new", lit(true))
          .unionByName(FeedbackEvents.withParsedPayload(recheck.select(raw.toArray(Column[]::new))).withColumn("is_new", lit(false)));
      // The calls' prompts and outputs, parsed and scrubbed once: the checks read their lengths and
      // prompt hashes, and only the effective events get the texts themselves (for the datasets).
      Dataset<Row> callTexts = FeedbackEvents.withPromptAndOutput(callsOf(ctx.warehouse().readOrEmpty(Table.LLM_CALLS), batch))
          .localCheckpoint();
      // Precedence reads the checks three times; the rejects, the ledger and the datasets read its outcome.
      Dataset<Row> checks = FeedbackEvents.eventChecks(batch, callTexts, f.maxTokens()).localCheckpoint();
      Dataset<Row> checked = FeedbackEvents.withPrecedence(checks).localCheckpoint();
      release(checks);
      long rechecked = countChecks(log, checked, redelivered);
      log.count("events_rechecked", rechecked);
      log.timed("join", t0);
      Dataset<Row> effective = FeedbackEvents.withTexts(checked.filter(col("is_effective")), callTexts).localCheckpoint();

      Timestamp now = Timestamp.from(ctx.startedAt());
      List<Dataset<Row>> overLimit = new ArrayList<>();
      Dataset<Row> replaced = recheck.select("event_id");
      for (FeedbackDataset d : FeedbackDataset.values()) {
        overLimit.add(writeDataset(d, effective, rechecked == 0 ? null : replaced, log, writes, now));
      }
      release(effective);
      release(callTexts);

      long t3 = System.nanoTime();
      Dataset<Row> rejects = rejectRows(checked, redelivered, overLimit, f.eventsPath(), now);
      writes.deleteWhereIn(Table.FEEDBACK_REJECTS, "event_key",
          checked.select("event_key").union(redelivered.select("event_key")));
      writes.appendOnce(conform(rejects, Table.FEEDBACK_REJECTS), Table.FEEDBACK_REJECTS, 0);
      // The ledger last, in one commit: until it commits, a crashed run's events are read again, and every
      // write above is keyed (rows whose example_id is stored are never added, deletes by event), so doing
      // it again changes nothing. Without re-checked events every row is new (the plan read only events
      // missing from the ledger): appended, no MERGE. Re-checked ones are in the ledger: one MERGE
      // updates them and inserts the new ones, since two commits could leave the first without the second.
      Dataset<Row> ledgerRows = conform(ledgerRows(checked, redelivered, now), Table.FEEDBACK_CONSUMED);
      if (rechecked > 0) {
        writes.upsert(ledgerRows, Table.FEEDBACK_CONSUMED);
      } else {
        writes.appendOnce(ledgerRows, Table.FEEDBACK_CONSUMED, 0);
      }
      log.timed("write", t3);
      release(checked);
      release(recheck);
      release(candidates);
      return failure(log, f.maxFailureRatio());
    }

    /** Counts the fresh events into {@code log} (read = used + rejected); returns how many consumed ones were checked again. */
    private long countChecks(RunLog log, Dataset<Row> checked, Dataset<Row> redelivered) {
      long used = 0;
      long rejected = 0;
      long rechecked = 0;
      java.util.Map<String, Long> byReason = new java.util.TreeMap<>();
      long superseded = 0;
      for (Row r : checked.groupBy("is_new", "reject_reason", "precedence").count().collectAsList()) {
        long n = r.getLong(3);
        if (!r.getBoolean(0)) {
          rechecked += n;
        } else if (r.isNullAt(1)) {
          used += n;
          superseded += "superseded".equals(r.getString(2)) ? n : 0;
        } else {
          rejected += n;
          byReason.merge(r.getString(1), n, Long::sum);
        }
      }
      long again = redelivered.count();
      if (again > 0) {
        rejected += again;
        byReason.merge(RejectReason.DUPLICATE_EVENT.code(), again, Long::sum);
      }
      log.count("events_used", used);
      log.count("events_superseded", superseded);
      log.count("events_rejected", rejected);
      byReason.forEach((k, v) -> log.count("rejected_" + k, v));
      return rechecked;
    }

    /**
     * Maps, cleans and writes one dataset: the rows of re-checked events ({@code replaced}; null when
     * none) are deleted first (they are derived again), then new rows that are neither an exact nor a near duplicate of a stored row (or of
     * an earlier new one) and within the token limit are inserted. Returns the rows dropped for the
     * token limit.
     */
    private Dataset<Row> writeDataset(FeedbackDataset d, Dataset<Row> effective, Dataset<Row> replaced, RunLog log,
        TableWrites writes, Timestamp now) {
      FlywheelConfig.Feedback f = ctx.config().feedback();
      Table t = table(d);
      String name = d.tableName();
      long t1 = System.nanoTime();
      Dataset<Row> mapped = FeedbackMapping.rows(d, effective)
          .transform(r -> ExampleCleaning.withExampleId(r, d))
          .localCheckpoint();
      long rows = mapped.count();
      log.timed("mapping", t1);
      log.count(name + "_rows", rows);
      long t2 = System.nanoTime();
      if (replaced != null) {
        writes.deleteWhereIn(t, "event_id", replaced);
      }
      Dataset<Row> stored = ctx.warehouse().read(t);
      Dataset<Row> unique = ExampleCleaning.withExactDuplicatesDropped(mapped);
      // Checkpointed, not cached: they are judged against the table as it is now, and the insert below changes
      // it; a cache evicted and recomputed after the insert would find every new row already stored.
      Dataset<Row> novel = unique.join(stored.select(col("example_id").as("_s_id")),
          unique.col("example_id").equalTo(col("_s_id")), "left_anti").localCheckpoint();
      long novelCount = novel.count();
      Dataset<Row> kept = novelCount == 0 ? novel : withNearDuplicatesOfStoredDropped(novel, stored, d, f).localCheckpoint();
      long keptCount = kept.count();
      ExampleCleaning.TokenLimited limited = ExampleCleaning.limitTokens(kept, d, f.maxTokens());
      long dropped = limited.dropped().count();
      log.count(name + "_duplicates", rows - novelCount);
      log.count(name + "_near_duplicates", novelCount - keptCount);
      log.count(name + "_over_token_limit", dropped);
      log.timed("dedupe", t2);
      long t3 = System.nanoTime();
      // Appended, not merged: every row is new (novel was judged against the table as it is, and was
      // checkpointed before this write), and example_id is unique among them (exact duplicates dropped).
      writes.appendOnce(conform(withProvenance(limited.kept(), now), t), t, 0);
      log.count(name + "_added", keptCount - dropped);
      log.timed("write", t3);
      Dataset<Row> over = limited.dropped().select(col("event_id"), lit(name).as("dataset"), col("token_count"));
      // Materialised now: the caller writes the rejects after the tables these rows were derived against changed.
      Dataset<Row> overRows = ctx.spark().createDataFrame(over.collectAsList(), over.schema());
      release(mapped);
      release(novel);
      release(kept);
      return overRows;
    }

    /** Frees the blocks of a local checkpoint that nothing reads any more. */
    private static void release(Dataset<Row> checkpointed) {
      if (checkpointed.queryExecution().logical() instanceof org.apache.spark.sql.execution.LogicalRDD l) {
        l.rdd().unpersist(false);
      }
    }

    private Dataset<Row> withProvenance(Dataset<Row> rows, Timestamp now) {
      return rows.withColumn("run_id", lit(ctx.runId()))
          .withColumn("run_date", lit(java.sql.Date.valueOf(ctx.runDate())))
          .withColumn("created_at", lit(now));
    }

    private Dataset<Row> ledgerRows(Dataset<Row> checked, Dataset<Row> redelivered, Timestamp now) {
      Dataset<Row> decided = checked.select(col("event_key"), col("event_id"), col("event_time"), col("user_id"),
          col("session_id"), col("call_id"), col("event_type"), col("payload"), col("subject_key"), col("next_call_id"),
          when(col("reject_reason").isNull(), col("precedence")).otherwise(lit("rejected")).as("outcome"),
          col("reject_reason").as("reason"));
      Dataset<Row> again = redelivered.select(col("event_key"), col("event_id"), col("event_time"), col("user_id"),
          col("session_id"), col("call_id"), col("event_type"), col("payload"), lit(null).cast("string").as("subject_key"),
          lit(null).cast("string").as("next_call_id"), lit("rejected").as("outcome"),
          lit(RejectReason.DUPLICATE_EVENT.code()).as("reason"));
      return decided.unionByName(again)
          .withColumn("run_id", lit(ctx.runId()))
          .withColumn("run_date", lit(java.sql.Date.valueOf(ctx.runDate())))
          .withColumn("consumed_at", lit(now));
    }

    private Dataset<Row> rejectRows(Dataset<Row> checked, Dataset<Row> redelivered, List<Dataset<Row>> overLimit,
        String source, Timestamp now) {
      Column rawRow = to_json(struct(ConsumedEvents.rawColumns()));
      Dataset<Row> events = checked.filter(col("reject_reason").isNotNull())
          .select(col("event_key"), col("event_id"), col("user_id"), col("call_id"), col("event_type"),
              lit(null).cast("string").as("dataset"), col("reject_reason").as("reason"), col("reject_detail").as("detail"),
              rawRow.as("raw_row"));
      Dataset<Row> again = redelivered.select(col("event_key"), col("event_id"), col("user_id"), col("call_id"),
          col("event_type"), lit(null).cast("string").as("dataset"), lit(RejectReason.DUPLICATE_EVENT.code()).as("reason"),
          concat(lit("event_id "), col("event_id"), lit(" was consumed by an earlier run")).as("detail"), rawRow.as("raw_row"));
      Dataset<Row> all = events.unionByName(again);
      Dataset<Row> effective = checked.filter(col("reject_reason").isNull())
          .select(col("event_key"), col("event_id").as("_e_id"), col("user_id"), col("call_id"), col("event_type"),
              rawRow.as("raw_row"));
      for (Dataset<Row> over : overLimit) {
        all = all.unionByName(over.join(effective, over.col("event_id").equalTo(effective.col("_e_id")))
            .select(col("event_key"), col("event_id"), col("user_id"), col("call_id"), col("event_type"), col("dataset"),
                lit(RejectReason.OVER_TOKEN_LIMIT.code()).as("reason"),
                concat(col("token_count"), lit(" tokens after PII scrubbing > feedback.max_tokens "
                    + ctx.config().feedback().maxTokens())).as("detail"),
                col("raw_row")));
      }
      return all.withColumn("source", lit(source))
          .withColumn("run_id", lit(ctx.runId()))
          .withColumn("run_date", lit(java.sql.Date.valueOf(ctx.runDate())))
          .withColumn("created_at", lit(now));
    }

    @Override
    public void close() {
      fresh.unpersist();
    }
  }

  /**
   * The {@code llm_calls} rows the batch refers to (its calls, and a pairwise event's other call);
   * {@code batch}: events with their parsed payload ({@link FeedbackEvents#withParsedPayload}).
   */
  static Dataset<Row> callsOf(Dataset<Row> llmCalls, Dataset<Row> batch) {
    Dataset<Row> ids = batch.select(explode(array(col("call_id"), col("pair_call_a"), col("pair_call_b"))).as("_id"))
        .filter(col("_id").isNotNull()).distinct();
    return llmCalls.join(ids, llmCalls.col("call_id").equalTo(ids.col("_id")), "left_semi");
  }

  /**
   * {@code novel} without the rows that are near duplicates of a stored row or of an earlier new row
   * (docs/feedback.md#cleaning). Stored rows rank before every new row, whatever their event time: a
   * row already stored, and maybe already exported, is never displaced by a late event.
   */
  static Dataset<Row> withNearDuplicatesOfStoredDropped(Dataset<Row> novel, Dataset<Row> stored, FeedbackDataset d,
      FlywheelConfig.Feedback f) {
    List<String> keys = ExampleCleaning.nearDuplicateKeys(d);
    List<Column> cols = new ArrayList<>(List.of(col("example_id"), col("event_time"), ExampleCleaning.nearDuplicateText(d).as("_text")));
    keys.forEach(k -> cols.add(col(k)));
    Dataset<Row> both = novel.select(cols.toArray(Column[]::new))
        .unionByName(stored.select(cols.toArray(Column[]::new)).withColumn("event_time", lit(Timestamp.valueOf("1900-01-01 00:00:00"))));
    Dataset<Row> survivors = ExampleCleaning.withNearDuplicatesCollapsed(both, col("_text"), keys,
            f.nearDuplicateThreshold(), f.shingleWords(), f.lshBands(), f.lshBandRows(), f.minhashSeed())
        .select(col("example_id").as("_k_id"));
    return novel.join(survivors, novel.col("example_id").equalTo(survivors.col("_k_id")), "left_semi");
  }

  /** {@code rows} with exactly {@code table}'s columns, in its order and types. */
  static Dataset<Row> conform(Dataset<Row> rows, Table table) {
    return rows.select(Arrays.stream(table.schema().fields())
        .map(fl -> col(fl.name()).cast(fl.dataType()).as(fl.name())).toArray(Column[]::new));
  }

  /** The run fails (after committing) when more than {@code maxRatio} of the events read were rejected. */
  static String failure(RunLog log, double maxRatio) {
    long read = log.get("events_read");
    long rejected = log.get("events_rejected");
    if (read == 0 || (double) rejected / read <= maxRatio) {
      return null;
    }
    return String.format(Locale.ROOT, "%d rejected of %d events read (%.3f) exceeds max_failure_ratio %.3f"
        + " (feedback.max_failure_ratio; reasons in feedback_rejects)", rejected, read, (double) rejected / read, maxRatio);
  }
}
