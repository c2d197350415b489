package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.CallBatches;
import io.flywheel.job.CallLog;
import io.flywheel.llm.CallBudget;
import io.flywheel.llm.CallLogText;
import io.flywheel.llm.CallOutcome;
import io.flywheel.llm.Costs;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.RateShare;
import io.flywheel.llm.RetryingCaller;
import io.flywheel.run.Progress;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Runs on executors: asks the judge one question per work row (a pairwise comparison in one order, or
 * a yes/no question about one output) through the provider layer (retries, rate limits, budget, the
 * one schema repair), and reads its verdict and reasoning. {@link #callAndCache} is the driver side:
 * the shared batch loop, each batch's calls appended to {@code llm_calls} and its answers to
 * {@code judge_cache} (docs/eval.md#the-judge-cache).
 */
final class JudgeCalls extends CallBatches.OneRequestCalls {
  static final String PAIRWISE = "pairwise";
  static final String LABEL = "label";

  /** One question to ask: its judge key, the key it is logged under, its kind and texts. */
  static final StructType WORK_SCHEMA = StructType.fromDDL(
      "judge_key STRING, item_key STRING, kind STRING, input STRING, first STRING, second STRING, question STRING,"
          + " question_text STRING");

  /** What the judge said, with what {@code llm_calls} keeps of the call. */
  static final StructType RESULT_SCHEMA = StructType.fromDDL(
      "judge_key STRING, item_key STRING, kind STRING, verdict STRING, reasoning STRING, answer STRING,"
          + " reported_model STRING, request STRING, response STRING, status STRING, error_class STRING,"
          + " error_message STRING, finish_reason STRING, attempts INT, input_tokens INT, output_tokens INT,"
          + " latency_ms BIGINT, created_at TIMESTAMP");

  private final JudgePrompt prompt;

  JudgeCalls(FlywheelConfig.Llm llm, JudgePrompt prompt, int executors, String runId) {
    super(llm, executors, runId);
    this.prompt = prompt;
  }

  @Override
  public StructType resultSchema() {
    return RESULT_SCHEMA;
  }

  @Override
  protected LlmRequest request(Row w) {
    String kind = w.getAs("kind");
    return kind.equals(PAIRWISE)
        ? prompt.pairwiseRequest(w.getAs("input"), w.getAs("first"), w.getAs("second"))
        : prompt.labelRequest(w.getAs("input"), w.getAs("first"), w.getAs("question"), w.getAs("question_text"));
  }

  @Override
  protected Row callOne(RetryingCaller caller, Row w, CallBudget budget) {
    LlmRequest request = request(w);
    CallLogText text = CallLogText.of(llm);
    double estimate = Costs.worstCaseUsd(llm, request);
    if (!budget.tryReserve(estimate)) {
      return row(w, null, new CallOutcome(null, null, 0, 0), "budget_skipped", "budget",
          "not sent: the run's llm.budget is spent; the next run sends it", text, text.request(caller, request));
    }
    CallOutcome outcome = caller.call(request);
    LlmResponse r = outcome.response();
    budget.settle(estimate, r == null ? 0 : Costs.usd(llm, r.usage().inputTokens(), r.usage().outputTokens()));
    String requestJson = text.request(caller, request);
    // An answer that broke the schema is read too: whatever verdict it holds is not cached (see commit).
    String content = r == null ? null : r.content();
    if (!outcome.ok()) {
      return row(w, content, outcome, outcome.errorStatus(), outcome.error().errorClass(),
          text.error(outcome.error().getMessage()), text, requestJson);
    }
    return row(w, content, outcome, "ok", null, null, text, requestJson);
  }

  private static Row row(Row w, String content, CallOutcome o, String status, String errorClass, String errorMessage,
      CallLogText text, String request) {
    String kind = w.getAs("kind");
    JudgePrompt.Answer a = content == null ? new JudgePrompt.Answer(null, null)
        : kind.equals(PAIRWISE) ? JudgePrompt.parsePairwise(content) : JudgePrompt.parseLabel(content);
    LlmResponse r = o.response();
    return RowFactory.create(w.getAs("judge_key"), w.getAs("item_key"), kind, a.verdict(),
        a.reasoning() == null ? null : text.response(a.reasoning()), content == null ? null : text.response(content),
        r == null ? null : r.reportedModel(), request, content == null ? null : text.response(content), status, errorClass,
        errorMessage, r == null || r.finishReason() == null ? null : r.finishReason().name().toLowerCase(Locale.ROOT),
        o.attempts(), r == null ? 0 : r.usage().inputTokens(), r == null ? 0 : r.usage().outputTokens(), o.latencyMillis(),
        new Timestamp(System.currentTimeMillis()));
  }

  /** The judge keys with a cached verdict: asked before, with an answer that held one. */
  static Dataset<Row> cachedKeys(RunContext ctx) {
    return ctx.warehouse().readOrEmpty(Table.JUDGE_CACHE).where(col("verdict").isNotNull()).select("judge_key");
  }

  /** The work rows whose judge key has no cached verdict, one per key. */
  static Dataset<Row> filterUncached(Dataset<Row> work, Dataset<Row> cached) {
    Dataset<Row> known = cached.select(col("judge_key").as("_c_key"));
    return work.dropDuplicates("judge_key").join(known, work.col("judge_key").equalTo(known.col("_c_key")), "left_anti");
  }

  /**
   * Asks every work row's question ({@link #WORK_SCHEMA}; one row per judge key, none cached) in
   * batches of {@code batchSize}; each batch's calls go to {@code llm_calls} and its answers to
   * {@code judge_cache} (an answer replaces the key's earlier answer without a verdict; an answer
   * without a verdict is kept with its text but is no cache hit).
   */
  static void callAndCache(RunContext ctx, RunLog log, TableWrites writes, Dataset<Row> work, long pending, int batchSize,
      int callPartitions, JudgePrompt prompt, String label) {
    if (pending == 0) {
      return;
    }
    int executors = RateShare.executors(ctx.spark().sparkContext(), ctx.config().llm().rateLimit());
    JudgeCalls calls = new JudgeCalls(ctx.config().llm(), prompt, executors, ctx.runId());
    CallBatches.run(ctx, log, work, new CallBatches.Spec(batchSize, callPartitions, "judge_key",
        new Progress(ctx.job() + " " + label, pending, 0, System.out)), calls, (batch, results) -> {
          CallLog.commit(callColumns(results, ctx, prompt), ctx, writes, batch, log);
          Dataset<Row> answered = results.where(col("answer").isNotNull()).select(col("judge_key"), col("kind"),
              promptColumn(prompt, true).as("prompt_id"), promptColumn(prompt, false).as("prompt_version"),
              lit(prompt.judgeModel()).as("judge_model"), col("verdict"), col("reasoning"), col("answer"),
              callId(ctx).as("call_id"), lit(ctx.runId()).as("run_id"), col("created_at"));
          writes.upsert(answered, Table.JUDGE_CACHE);
          Row n = results.agg(count(lit(1)), count(when(col("answer").isNotNull().and(col("verdict").isNull()), lit(1)))).first();
          log.add("judge_answers_without_verdict", n.getLong(1));
          return n.getLong(0);
        });
  }

  private static Column callId(RunContext ctx) {
    return sha2(concat_ws("|", lit(ctx.runId()), col("judge_key")), 256);
  }

  private static Column promptColumn(JudgePrompt prompt, boolean id) {
    Column pairwise = col("kind").equalTo(PAIRWISE);
    return id ? when(pairwise, lit(prompt.pairwise().id())).otherwise(lit(prompt.label().id()))
        : when(pairwise, lit(prompt.pairwise().version())).otherwise(lit(prompt.label().version()));
  }

  /** The batch's calls with the columns of {@link CallLog#CALL}: the judge key is their cache and request key. */
  static Dataset<Row> callColumns(Dataset<Row> results, RunContext ctx, JudgePrompt prompt) {
    List<Column> columns = new ArrayList<>(List.of(callId(ctx).as("call_id"), col("item_key"), lit(1).as("item_count"),
        col("judge_key").as("cache_key"), col("judge_key").as("request_key"), promptColumn(prompt, true).as("prompt_id"),
        promptColumn(prompt, false).as("prompt_version")));
    columns.addAll(CallLog.outcomeColumns());
    return results.select(columns.toArray(Column[]::new));
  }
}
