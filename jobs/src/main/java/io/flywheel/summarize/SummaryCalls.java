package io.flywheel.summarize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.guard.GuardResult;
import io.flywheel.job.CallBatches;
import io.flywheel.guard.SummaryGuardrails;
import io.flywheel.llm.CallBudget;
import io.flywheel.llm.CallLogText;
import io.flywheel.llm.CallOutcome;
import io.flywheel.llm.Costs;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.ResponseSchema;
import io.flywheel.llm.RetryingCaller;
import io.flywheel.prompt.LanguageNames;
import io.flywheel.prompt.PromptTemplate;
import io.flywheel.table.Rows;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Runs on executors: turns work rows (one per distinct request) into result rows by rendering the
 * prompt, calling the provider with retries and bounded concurrency, and applying the guardrails.
 */
public final class SummaryCalls extends CallBatches.OneRequestCalls {
  /** Response schema of a catalog summary; its version is part of the cache key. */
  public static final ResponseSchema SCHEMA =
      new ResponseSchema(
          "catalog_summary",
          1,
          "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"},"
              + "\"key_features\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
              + "\"required\":[\"summary\",\"key_features\"],\"additionalProperties\":false}");

  /** Work row: one distinct request and the items it serves. */
  public static final StructType WORK_SCHEMA =
      StructType.fromDDL(
          "request_key STRING, prompt_id STRING, fields ARRAY<STRING>,"
              + " items ARRAY<STRUCT<item_id: STRING, cache_key: STRING, content_hash: STRING,"
              + " updated_at: TIMESTAMP, is_new: BOOLEAN>>");

  /** Result row: the work row's key and items, plus the outcome. */
  public static final StructType RESULT_SCHEMA =
      StructType.fromDDL(
          "request_key STRING, prompt_id STRING,"
              + " items ARRAY<STRUCT<item_id: STRING, cache_key: STRING, content_hash: STRING,"
              + " updated_at: TIMESTAMP, is_new: BOOLEAN>>,"
              + " status STRING, summary STRING, key_features ARRAY<STRING>, pii_redacted ARRAY<STRING>,"
              + " reported_model STRING, finish_reason STRING, input_tokens INT, output_tokens INT,"
              + " latency_ms BIGINT, attempts INT, error_class STRING, error_message STRING,"
              + " request STRING, response STRING, created_at TIMESTAMP");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, PromptTemplate> prompts;
  private final List<String> fieldNames;
  private final DecodingParams params;
  private final SummaryGuardrails guardrails;
  private final String language;
  private final int maxSummaryChars;

  /**
   * @param executors how many executor JVMs share the job's rate limit
   * @param runId the run whose calls these are (each run starts with a fresh circuit breaker)
   */
  SummaryCalls(FlywheelConfig.Llm llm, SummarySetup setup, SummaryGuardrails guardrails, int executors, String runId) {
    super(llm, executors, runId);
    this.prompts = setup.prompts();
    this.fieldNames = setup.fieldNames();
    this.params = setup.params();
    this.guardrails = guardrails;
    this.language = setup.language();
    this.maxSummaryChars = setup.maxSummaryChars();
  }

  @Override
  public StructType resultSchema() {
    return RESULT_SCHEMA;
  }

  @Override
  protected Row callOne(RetryingCaller caller, Row work, CallBudget budget) {
    LlmRequest request = request(work);
    CallLogText text = CallLogText.of(llm);
    double estimate = Costs.worstCaseUsd(llm, request);
    if (!budget.tryReserve(estimate)) {
      return result(work, new Ending("budget_skipped", null, "budget",
          "not sent: the run's llm.budget is spent; the next run sends it"), new CallOutcome(null, null, 0, 0),
          text.request(caller, request), null, new Timestamp(System.currentTimeMillis()));
    }
    CallOutcome outcome = caller.call(request);
    // After the call: a fallback to the schema in the prompt shows in what is recorded as sent.
    String requestJson = text.request(caller, request);
    LlmResponse r = outcome.response();
    budget.settle(estimate, r == null ? 0 : Costs.usd(llm, r.usage().inputTokens(), r.usage().outputTokens()));
    Timestamp now = new Timestamp(System.currentTimeMillis());
    String content = r == null ? null : r.content();
    if (!outcome.ok()) {
      return result(work, new Ending(outcome.errorStatus(), null, outcome.error().errorClass(),
          text.error(outcome.error().getMessage())), outcome, requestJson, text.response(content), now);
    }
    GuardResult g = guardrails.check(content, String.join("\n", work.<String>getList(2)));
    if (!g.passed()) {
      return result(work, new Ending("guardrail_rejected", null, "guardrail:" + g.failedGuardrail(), text.error(g.detail())),
          outcome, requestJson, text.response(content), now);
    }
    return result(work, new Ending("ok", g, null, null), outcome, requestJson, text.response(content), now);
  }

  @Override
  protected LlmRequest request(Row work) {
    PromptTemplate prompt = prompts.get(work.getString(1));
    return new LlmRequest(llm.model(), prompt.render(vars(work.getList(2))), SCHEMA, params);
  }

  private Map<String, String> vars(List<String> fields) {
    return promptVars(fieldNames, fields, language, maxSummaryChars);
  }

  /**
   * The placeholders of a summary prompt: {@code item_json}, {@code language} (the ISO code),
   * {@code language_name} (its English name, which the shipped prompts use) and
   * {@code max_summary_chars}.
   */
  public static Map<String, String> promptVars(List<String> fieldNames, List<String> fields, String language, int maxSummaryChars) {
    ObjectNode item = JSON.createObjectNode();
    for (int i = 0; i < fieldNames.size(); i++) {
      item.put(fieldNames.get(i), fields.get(i));
    }
    // Escaped angle brackets keep item text from closing the <catalog_item> delimiter.
    String itemJson = item.toString().replace("<", "\\u003c").replace(">", "\\u003e");
    return Map.of(
        "item_json", itemJson,
        "language", language,
        "language_name", LanguageNames.english(language),
        "max_summary_chars", Integer.toString(maxSummaryChars));
  }

  /** How one request ended: its status, the guardrails' result (for {@code ok}), or its error. */
  private record Ending(String status, GuardResult guard, String errorClass, String errorMessage) {}

  private static Row result(Row work, Ending end, CallOutcome o, String request, String response, Timestamp now) {
    LlmResponse r = o.response();
    GuardResult g = end.guard();
    return RowFactory.create(
        work.getString(0),
        work.getString(1),
        Rows.seq(work.getList(3)),
        end.status(),
        g == null ? null : g.summary(),
        g == null ? null : Rows.seq(g.keyFeatures()),
        g == null ? null : Rows.seq(g.piiRedacted()),
        r == null ? null : r.reportedModel(),
        r == null || r.finishReason() == null ? null : r.finishReason().name().toLowerCase(java.util.Locale.ROOT),
        r == null ? 0 : r.usage().inputTokens(),
        r == null ? 0 : r.usage().outputTokens(),
        o.latencyMillis(),
        o.attempts(),
        end.errorClass(),
        end.errorMessage(),
        request,
        response,
        now);
  }

}
