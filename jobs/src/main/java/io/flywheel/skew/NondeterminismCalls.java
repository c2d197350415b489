package io.flywheel.skew;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.CallBatches;
import io.flywheel.llm.CallBudget;
import io.flywheel.llm.CallLogText;
import io.flywheel.llm.CallOutcome;
import io.flywheel.llm.Costs;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.RetryingCaller;
import io.flywheel.summarize.SummaryPrompt;
import java.sql.Timestamp;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Runs on executors: sends each work row (one evaluation input and the number of its repeat) to the
 * model with the summarize prompt, through the same provider layer as the other jobs (retries,
 * rate limits, budget, schema repair), and returns one result row per call.
 */
final class NondeterminismCalls extends CallBatches.OneRequestCalls {
  /** One call to make: the input (by content hash) and which of its repeats this is. */
  static final StructType WORK_SCHEMA =
      StructType.fromDDL("item_key STRING, content_hash STRING, repeat INT, text STRING");

  /** What became of the call, with what {@code llm_calls} keeps of it. */
  static final StructType RESULT_SCHEMA = StructType.fromDDL(
      "item_key STRING, content_hash STRING, repeat INT, status STRING, reported_model STRING,"
          + " finish_reason STRING, input_tokens INT, output_tokens INT, latency_ms BIGINT, attempts INT,"
          + " error_class STRING, error_message STRING, request STRING, response STRING, created_at TIMESTAMP");

  private final SummaryPrompt prompt;
  private final String field;

  /**
   * @param field the item field the input text is sent as (the field prod texts are read from)
   * @param executors how many executor JVMs share the rate limit
   */
  NondeterminismCalls(FlywheelConfig.Llm llm, SummaryPrompt prompt, String field, int executors, String runId) {
    super(llm, executors, runId);
    this.prompt = prompt;
    this.field = field;
  }

  @Override
  public StructType resultSchema() {
    return RESULT_SCHEMA;
  }

  @Override
  protected LlmRequest request(Row work) {
    return prompt.request(llm.model(), field, work.getString(3));
  }

  @Override
  protected Row callOne(RetryingCaller caller, Row work, CallBudget budget) {
    LlmRequest request = request(work);
    CallLogText text = CallLogText.of(llm);
    double estimate = Costs.worstCaseUsd(llm, request);
    if (!budget.tryReserve(estimate)) {
      return row(work, "budget_skipped", new CallOutcome(null, null, 0, 0), "budget",
          "not sent: the run's llm.budget is spent; the next run sends it", text.request(caller, request), null);
    }
    CallOutcome outcome = caller.call(request);
    LlmResponse r = outcome.response();
    budget.settle(estimate, r == null ? 0 : Costs.usd(llm, r.usage().inputTokens(), r.usage().outputTokens()));
    String response = text.response(r == null ? null : r.content());
    if (!outcome.ok()) {
      return row(work, outcome.errorStatus(), outcome, outcome.error().errorClass(),
          text.error(outcome.error().getMessage()), text.request(caller, request), response);
    }
    return row(work, "ok", outcome, null, null, text.request(caller, request), response);
  }

  private static Row row(Row work, String status, CallOutcome o, String errorClass, String errorMessage,
      String request, String response) {
    LlmResponse r = o.response();
    return RowFactory.create(
        work.getString(0),
        work.getString(1),
        work.getInt(2),
        status,
        r == null ? null : r.reportedModel(),
        r == null || r.finishReason() == null ? null : r.finishReason().name().toLowerCase(Locale.ROOT),
        r == null ? 0 : r.usage().inputTokens(),
        r == null ? 0 : r.usage().outputTokens(),
        o.latencyMillis(),
        o.attempts(),
        errorClass,
        errorMessage,
        request,
        response,
        new Timestamp(System.currentTimeMillis()));
  }
}
