package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import io.flywheel.job.CallBatches;
import io.flywheel.job.CallLog;
import io.flywheel.llm.RateShare;
import io.flywheel.run.Progress;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.SummaryPrompt;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.io.Serializable;
import java.sql.Date;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;

/**
 * The skew job's nondeterminism check (docs/skew.md#nondeterminism): a stable sample of evaluation
 * inputs is summarized {@code repeats} times each through the provider layer, every call is logged to
 * {@code llm_calls}, and per input the job stores how many distinct answers came back, how similar
 * they are, and whether every answer met the response schema. A rerun of the date sends only the
 * calls that have not ended yet (no answer, or a retryable error) and rewrites the same rows.
 */
public final class Nondeterminism {
  /** Calls ending in these statuses are not sent again for the same date. */
  static final List<String> ENDED = List.of("ok", "failed");

  /** Rows of the {@code nondeterminism} table, without the run's columns. */
  static final StructType STATS = StructType.fromDDL(
      "content_hash STRING, input_text STRING, repeats INT, answered INT, distinct_outputs INT,"
          + " mean_pairwise_similarity DOUBLE, parsed_all BOOLEAN, statuses ARRAY<STRING>");

  private Nondeterminism() {}

  /**
   * @param sample inputs at most
   * @param repeats calls per input
   * @param seed chooses the sample
   * @param field the item field the input is sent as
   * @param batchSize calls per committed batch
   */
  public record Settings(int sample, int repeats, long seed, String field, int batchSize) implements Serializable {}

  /**
   * Up to {@code sample} distinct non-blank texts of {@code textColumn}: those with the smallest
   * {@code xxhash64(content hash, seed)}, so that the same inputs and seed give the same sample on
   * every run (a rerun asks nothing new). Columns: {@code text}, {@code content_hash}.
   */
  public static Dataset<Row> withSample(Dataset<Row> inputs, String textColumn, int sample, long seed) {
    return inputs.where(col(textColumn).isNotNull().and(trim(col(textColumn)).notEqual("")))
        .select(col(textColumn).as("text"))
        .withColumn("content_hash", sha2(col("text"), 256))
        .dropDuplicates("content_hash")
        .orderBy(xxhash64(col("content_hash"), lit(seed)), col("content_hash"))
        .limit(sample);
  }

  /**
   * One work row ({@link NondeterminismCalls#WORK_SCHEMA}) per input and repeat 1..{@code repeats},
   * except those whose {@code item_key} ({@code <content hash>#<repeat>}) is in {@code ended}.
   */
  static Dataset<Row> withPendingCalls(Dataset<Row> sample, Dataset<Row> ended, int repeats) {
    Dataset<Row> all = sample
        .withColumn("repeat", explode(sequence(lit(1), lit(repeats))))
        .withColumn("item_key", concat_ws("#", col("content_hash"), col("repeat").cast("string")));
    Dataset<Row> done = ended.select(col("item_key").as("_ended_key"));
    return all.join(done, all.col("item_key").equalTo(done.col("_ended_key")), "left_anti")
        .select("item_key", "content_hash", "repeat", "text");
  }

  /**
   * Per sampled input, the agreement of its calls ({@link #STATS}): the latest call of each repeat
   * among {@code calls} ({@code llm_calls} rows of the date and prompt) counts; {@code answered} is the
   * repeats that ended, {@code parsed_all} is true when every repeat ended {@code ok} (an answer that
   * met the response schema, after at most the one repair every job allows). Inputs without any call
   * yet are left out.
   */
  static Dataset<Row> stats(Dataset<Row> sample, Dataset<Row> calls, int repeats) {
    Dataset<Row> latest = calls
        .withColumn("_rn", row_number().over(Window.partitionBy("item_key").orderBy(col("created_at").desc(), col("call_id"))))
        .where(col("_rn").equalTo(1))
        .select(substring_index(col("item_key"), "#", 1).as("content_hash"), col("status"), col("response"));
    Column isOk = col("status").equalTo("ok");
    Dataset<Row> grouped = sample.join(latest, "content_hash")
        .groupBy("content_hash")
        .agg(first(col("text")).as("text"),
            sum(when(col("status").isin(ENDED.toArray()), 1).otherwise(0)).cast("int").as("answered"),
            sum(when(isOk, 1).otherwise(0)).cast("int").as("oks"),
            collect_list(when(isOk, col("response"))).as("answers"),
            array_sort(collect_list(col("status"))).as("statuses"));
    return grouped.map((MapFunction<Row, Row>) r -> {
      OutputAgreement.Stats s = OutputAgreement.of(r.getList(r.fieldIndex("answers")));
      int oks = r.getInt(r.fieldIndex("oks"));
      return RowFactory.create(r.getString(0), r.getString(r.fieldIndex("text")), repeats,
          r.getInt(r.fieldIndex("answered")), s.distinct(), s.meanPairwiseSimilarity(), oks == repeats,
          r.getList(r.fieldIndex("statuses")).toArray(String[]::new));
    }, Encoders.row(STATS));
  }

  /**
   * The step of the skew job: samples {@code inputs} (column {@code text}), sends the calls that have
   * not ended for this run date, commits them to {@code llm_calls}, and rewrites the date's rows of
   * {@code nondeterminism}. Counts {@code nondeterminism_*} into {@code log}.
   */
  public static void run(RunContext ctx, RunLog log, TableWrites writes, Dataset<Row> inputs, Settings s) {
    long t0 = System.nanoTime();
    SummaryPrompt prompt = SummaryPrompt.of(ctx.config());
    Dataset<Row> sample = withSample(inputs, "text", s.sample(), s.seed()).cache();
    Dataset<Row> work = withPendingCalls(sample, callsOfDate(ctx, prompt).where(col("status").isin(ENDED.toArray())), s.repeats())
        .cache();
    long pending = work.count();
    log.count("nondeterminism_inputs", sample.count());
    log.count("nondeterminism_calls_pending", pending);
    if (pending > 0) {
      int executors = RateShare.executors(ctx.spark().sparkContext(), ctx.config().llm().rateLimit());
      NondeterminismCalls calls = new NondeterminismCalls(ctx.config().llm(), prompt, s.field(), executors, ctx.runId());
      CallBatches.run(ctx, log, work, new CallBatches.Spec(s.batchSize(), 0, "item_key",
              new Progress(ctx.job() + " nondeterminism", pending, 0, System.out)), calls,
          (batch, results) -> {
            CallLog.commit(callColumns(results, ctx, prompt), ctx, writes, batch, log);
            return results.count();
          });
    }
    Dataset<Row> stats = stats(sample, callsOfDate(ctx, prompt), s.repeats()).cache();
    // No timestamp of its own: the rows are a function of the date's calls, so a rerun rewrites them equal.
    writes.replaceRunDate(stats.select(lit(Date.valueOf(ctx.runDate())).as("run_date"), lit(ctx.runId()).as("run_id"), col("*")),
        Table.NONDETERMINISM, ctx.runDate());
    Row agg = stats.agg(count(lit(1)), sum(when(col("distinct_outputs").gt(1), 1).otherwise(0)),
        sum(when(col("parsed_all"), 0).otherwise(1))).first();
    log.count("nondeterminism_measured", agg.getLong(0));
    log.count("nondeterminism_varied", agg.isNullAt(1) ? 0 : agg.getLong(1));
    log.count("nondeterminism_not_parsed_all", agg.isNullAt(2) ? 0 : agg.getLong(2));
    stats.unpersist();
    work.unpersist();
    sample.unpersist();
    log.timed("nondeterminism", t0);
  }

  /** This job's calls of the run date with the nondeterminism prompt. */
  private static Dataset<Row> callsOfDate(RunContext ctx, SummaryPrompt prompt) {
    return ctx.warehouse().readOrEmpty(Table.LLM_CALLS)
        .where(col("job").equalTo(ctx.job()).and(col("run_date").equalTo(lit(Date.valueOf(ctx.runDate()))))
            .and(col("prompt_id").equalTo(prompt.prompt().id())));
  }

  /** The batch's calls with the columns of {@link CallLog#CALL}. */
  static Dataset<Row> callColumns(Dataset<Row> results, RunContext ctx, SummaryPrompt prompt) {
    List<Column> columns = new java.util.ArrayList<>(List.of(
        sha2(concat_ws("|", lit(ctx.runId()), col("item_key")), 256).as("call_id"),
        col("item_key"),
        lit(1).as("item_count"),
        lit(null).cast("string").as("cache_key"),
        sha2(concat_ws("|", lit(prompt.prompt().id()), lit(prompt.prompt().version()), col("content_hash")), 256).as("request_key"),
        lit(prompt.prompt().id()).as("prompt_id"),
        lit(prompt.prompt().version()).as("prompt_version")));
    columns.addAll(CallLog.outcomeColumns());
    return results.select(columns.toArray(Column[]::new));
  }
}
