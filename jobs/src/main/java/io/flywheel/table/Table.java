package io.flywheel.table;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * Every Delta table Flywheel writes: its name, schema, partition columns, key and table properties.
 * Nothing else in the code spells a table path; see docs/tables.md for what each column means.
 */
public enum Table {
  RUNS(
      "runs",
      "job STRING, run_id STRING, run_date DATE, config_hash STRING, code_version STRING,"
          + " started_at TIMESTAMP, ended_at TIMESTAMP, status STRING, counts MAP<STRING, BIGINT>,"
          + " input_tokens BIGINT, output_tokens BIGINT, cost_usd DOUBLE, message STRING, heartbeat_at TIMESTAMP",
      List.of(),
      List.of("run_id"),
      Map.of()),
  LLM_CALLS(
      "llm_calls",
      "call_id STRING, run_id STRING, job STRING, run_date DATE, item_key STRING, item_count INT,"
          + " cache_key STRING, request_key STRING, provider STRING, requested_model STRING,"
          + " reported_model STRING, prompt_id STRING, prompt_version INT, request STRING,"
          + " response STRING, status STRING, error_class STRING, error_message STRING,"
          + " finish_reason STRING, attempts INT, input_tokens INT, output_tokens INT,"
          + " latency_ms BIGINT, cost_usd DOUBLE, created_at TIMESTAMP, call_date DATE",
      List.of("job", "call_date"),
      List.of("call_id"),
      Map.of()),
  SUMMARIES(
      "summaries",
      Ddl.SUMMARY,
      List.of(),
      List.of("item_id"),
      // Deletion vectors let a MERGE that updates a few rows skip rewriting whole files.
      Map.of("delta.enableDeletionVectors", "true")),
  SUMMARIES_HISTORY(
      "summaries_history",
      Ddl.SUMMARY + ", superseded_at TIMESTAMP, superseded_by_run STRING",
      List.of(),
      List.of("item_id", "cache_key"),
      Map.of()),
  CATALOG_REJECTS(
      "catalog_rejects",
      "run_date DATE, run_id STRING, item_id STRING, reason STRING, detail STRING, raw_row STRING,"
          + " source STRING",
      List.of("run_date"),
      List.of("run_date", "item_id", "reason", "raw_row"),
      Map.of()),
  RECOMMENDATIONS(
      "recommendations",
      "user_id STRING, run_date DATE, rank INT, item_id STRING, title STRING, score DOUBLE, attempt INT,"
          + " seed BIGINT, history_order ARRAY<STRING>, phrasing INT, run_id STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "user_id", "rank"),
      Map.of()),
  RECOMMENDATION_USERS(
      "recommendation_users",
      "run_date DATE, user_id STRING, status STRING, phrasing INT, attempts INT,"
          + " items ARRAY<STRUCT<rank: INT, item_id: STRING, title: STRING, score: DOUBLE, attempt: INT,"
          + " seed: BIGINT, history_order: ARRAY<STRING>>>, first_matched ARRAY<STRING>, probe_matched ARRAY<STRING>,"
          + " suggestions INT, hallucinations INT, rejected_history INT, rejected_duplicate INT, rejected_recent INT,"
          + " calls INT, run_id STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "user_id"),
      Map.of()),
  RECOMMENDATION_METRICS(
      "recommendation_metrics",
      "run_date DATE, run_id STRING, phrasing STRING, metric STRING, value DOUBLE, users BIGINT,"
          + " settings STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "phrasing", "metric"),
      Map.of()),
  RECOMMEND_REJECTS(
      "recommend_rejects",
      "run_date DATE, run_id STRING, user_id STRING, item_id STRING, reason STRING, raw_row STRING,"
          + " source STRING",
      List.of("run_date"),
      List.of("run_date", "user_id", "item_id", "reason", "raw_row"),
      Map.of()),
  /** The feedback job's ledger: every event it consumed, its outcome, and what re-checking it needs. */
  FEEDBACK_CONSUMED(
      "feedback_consumed",
      "event_key STRING, event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, call_id STRING,"
          + " event_type STRING, payload STRING, subject_key STRING, next_call_id STRING, outcome STRING,"
          + " reason STRING, run_id STRING, run_date DATE, consumed_at TIMESTAMP",
      List.of(),
      List.of("event_key"),
      Map.of()),
  FEEDBACK_REJECTS(
      "feedback_rejects",
      "event_key STRING, event_id STRING, user_id STRING, call_id STRING, event_type STRING, dataset STRING,"
          + " reason STRING, detail STRING, raw_row STRING, source STRING, run_id STRING, run_date DATE,"
          + " created_at TIMESTAMP",
      List.of(),
      List.of("event_key", "dataset", "reason"),
      Map.of()),
  SFT_EXAMPLES(
      "sft_examples",
      "example_id STRING, user_id STRING, event_id STRING, call_id STRING, source_event_type STRING,"
          + " prompt " + Ddl.MESSAGES + ", completion STRING, event_time TIMESTAMP, token_count BIGINT," + Ddl.PROVENANCE,
      List.of(),
      List.of("example_id"),
      Map.of()),
  PREFERENCE_PAIRS(
      "preference_pairs",
      "example_id STRING, user_id STRING, event_id STRING, source_event_type STRING, prompt " + Ddl.MESSAGES + ","
          + " chosen STRING, rejected STRING, chosen_call_id STRING, rejected_call_id STRING, event_time TIMESTAMP,"
          + " token_count BIGINT," + Ddl.PROVENANCE,
      List.of(),
      List.of("example_id"),
      Map.of()),
  KTO_EXAMPLES(
      "kto_examples",
      "example_id STRING, user_id STRING, event_id STRING, call_id STRING, source_event_type STRING,"
          + " prompt " + Ddl.MESSAGES + ", completion STRING, label BOOLEAN, event_time TIMESTAMP, token_count BIGINT,"
          + Ddl.PROVENANCE,
      List.of(),
      List.of("example_id"),
      Map.of()),
  BINARY_LABELS(
      "binary_labels",
      "example_id STRING, user_id STRING, event_id STRING, call_id STRING, source_event_type STRING, question STRING,"
          + " prompt " + Ddl.MESSAGES + ", completion STRING, answer BOOLEAN, event_time TIMESTAMP, token_count BIGINT,"
          + Ddl.PROVENANCE,
      List.of(),
      List.of("example_id"),
      Map.of()),
  /** Users removed by forget-user, by SHA-256 of the user id: the feedback job never reads their events again. */
  FORGOTTEN_USERS(
      "forgotten_users",
      "user_hash STRING, forgotten_at TIMESTAMP, run_id STRING",
      List.of(),
      List.of("user_hash"),
      Map.of()),
  TEXT_EMBEDDINGS(
      "text_embeddings",
      "content_hash STRING, model STRING, embedding ARRAY<FLOAT>, created_at TIMESTAMP",
      List.of(),
      List.of("content_hash", "model"),
      Map.of()),
  ITEM_EMBEDDINGS(
      "item_embeddings",
      "item_id STRING, content_hash STRING, model STRING, embedding ARRAY<FLOAT>, created_at TIMESTAMP",
      List.of(),
      List.of("item_id", "content_hash", "model"),
      Map.of()),
  SKEW_FEATURES(
      "skew_features",
      "run_date DATE, run_id STRING, field STRING, feature STRING, kind STRING,"
          + " dev_rows BIGINT, prod_rows BIGINT, dev_blank_texts BIGINT, prod_blank_texts BIGINT,"
          + " dev_count BIGINT, prod_count BIGINT, dev_nulls BIGINT, prod_nulls BIGINT,"
          + " dev_mean DOUBLE, dev_std DOUBLE, prod_mean DOUBLE, prod_std DOUBLE, min DOUBLE, max DOUBLE,"
          + " bins INT, dev_histogram ARRAY<BIGINT>, prod_histogram ARRAY<BIGINT>,"
          + " dev_categories MAP<STRING, BIGINT>, prod_categories MAP<STRING, BIGINT>,"
          + " js DOUBLE, psi DOUBLE, wasserstein_norm DOUBLE, wasserstein_exact BOOLEAN,"
          + " wasserstein_error_bound DOUBLE, linf DOUBLE, largest_gap_category STRING, value DOUBLE,"
          + " threshold DOUBLE, breached BOOLEAN, breached_by ARRAY<STRING>, reliable BOOLEAN,"
          + " alert BOOLEAN, alert_reason STRING",
      List.of("run_date"),
      List.of("run_date", "field", "feature"),
      Map.of()),
  SKEW_CLUSTERS(
      "skew_clusters",
      "run_date DATE, run_id STRING, cluster INT, k INT, algorithm STRING, dev_count BIGINT,"
          + " prod_count BIGINT, dev_share DOUBLE, prod_share DOUBLE, drift_ratio DOUBLE,"
          + " top_terms ARRAY<STRING>, coverage_gap BOOLEAN, silhouette DOUBLE",
      List.of("run_date"),
      List.of("run_date", "cluster"),
      Map.of()),
  SKEW_EXAMPLES(
      "skew_examples",
      "run_date DATE, run_id STRING, cluster INT, side STRING, rank INT, content_hash STRING, text STRING",
      List.of("run_date"),
      List.of("run_date", "cluster", "side", "rank"),
      Map.of()),
  NONDETERMINISM(
      "nondeterminism",
      "run_date DATE, run_id STRING, content_hash STRING, input_text STRING, repeats INT, answered INT,"
          + " distinct_outputs INT, mean_pairwise_similarity DOUBLE, parsed_all BOOLEAN, statuses ARRAY<STRING>",
      List.of("run_date"),
      List.of("run_date", "content_hash"),
      Map.of()),
  /** eval-assert: each target row's verdict on each criterion of the suite (docs/eval.md#eval-assert). */
  EVAL_ASSERTIONS(
      "eval_assertions",
      "run_date DATE, run_id STRING, eval_key STRING, suite STRING, target STRING, row_key STRING, criterion STRING,"
          + " passed BOOLEAN, detail STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "eval_key", "row_key", "criterion"),
      Map.of()),
  /** eval-assert: rows and passes per criterion with the Wilson 95% interval of the pass rate. */
  EVAL_RUNS(
      "eval_runs",
      "run_date DATE, run_id STRING, eval_key STRING, suite STRING, target STRING, criterion STRING, rows BIGINT,"
          + " passed BIGINT, pass_rate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "eval_key", "criterion"),
      Map.of()),
  /**
   * shadow-report: one row per item that both a shadow run and production summarized from the same
   * content: both answers' calls, lengths, assertion passes, costs, and the judge's verdict.
   */
  SHADOW_COMPARISONS(
      "shadow_comparisons",
      "run_date DATE, shadow STRING, item_id STRING, content_hash STRING, production_call_id STRING, shadow_call_id STRING,"
          + " production_prompt STRING, shadow_prompt STRING, production_model STRING, shadow_model STRING,"
          + " production_chars INT, shadow_chars INT, criteria INT, production_passed INT, shadow_passed INT,"
          + " production_cost_usd DOUBLE, shadow_cost_usd DOUBLE, production_output_tokens INT, shadow_output_tokens INT,"
          + " verdict STRING, length_imbalanced BOOLEAN, run_id STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "shadow", "item_id"),
      Map.of()),
  /** shadow-report: one row per metric, production's value beside the shadow's (docs/eval.md#shadow-report). */
  SHADOW_REPORTS(
      "shadow_reports",
      "run_date DATE, shadow STRING, metric STRING, production DOUBLE, shadow_value DOUBLE, difference DOUBLE,"
          + " ci_low DOUBLE, ci_high DOUBLE, items BIGINT, run_id STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "shadow", "metric"),
      Map.of()),
  /**
   * review-sample: one row per sampled call and question, with the reviewer's answer once recorded
   * and the feedback event it was sent as (docs/eval.md#review-sample).
   */
  REVIEW_QUEUE(
      "review_queue",
      "run_date DATE, call_id STRING, question STRING, job STRING, status STRING, stratum STRING, reason STRING,"
          + " question_text STRING, input STRING, output STRING, error_class STRING, answer BOOLEAN, reviewer STRING,"
          + " answered_at TIMESTAMP, event_id STRING, run_id STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "call_id", "question"),
      Map.of()),
  /** eval-judge: one row per input judged, with both orders' verdicts and reasoning and the final verdict. */
  EVAL_JUDGEMENTS(
      "eval_judgements",
      "run_date DATE, run_id STRING, comparison_key STRING, a STRING, b STRING, input_key STRING, id_a STRING, id_b STRING,"
          + " chars_a INT, chars_b INT, length_imbalanced BOOLEAN, identical BOOLEAN, verdict_ab STRING, verdict_ba STRING,"
          + " verdict STRING, reasoning_ab STRING, reasoning_ba STRING, answer_ab STRING, answer_ba STRING,"
          + " judge_key_ab STRING, judge_key_ba STRING, judge_model STRING, prompt_id STRING, prompt_version INT,"
          + " created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "comparison_key", "input_key"),
      Map.of()),
  /** eval-judge: win, tie and loss rates of A with 95% intervals, over all pairs and over the length-balanced ones. */
  EVAL_JUDGE_RUNS(
      "eval_judge_runs",
      "run_date DATE, run_id STRING, comparison_key STRING, a STRING, b STRING, pairs_included STRING, pairs BIGINT,"
          + " wins BIGINT, ties BIGINT, losses BIGINT, win_rate DOUBLE, win_low DOUBLE, win_high DOUBLE, tie_rate DOUBLE,"
          + " tie_low DOUBLE, tie_high DOUBLE, loss_rate DOUBLE, loss_low DOUBLE, loss_high DOUBLE, score DOUBLE,"
          + " score_low DOUBLE, score_high DOUBLE, judge_model STRING, prompt_id STRING, prompt_version INT,"
          + " created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "comparison_key", "pairs_included"),
      Map.of()),
  /** The judge's answers by judge key (question, texts, order, prompt, model): what a rerun reuses instead of asking again. */
  JUDGE_CACHE(
      "judge_cache",
      "judge_key STRING, kind STRING, prompt_id STRING, prompt_version INT, judge_model STRING, verdict STRING,"
          + " reasoning STRING, answer STRING, call_id STRING, run_id STRING, created_at TIMESTAMP",
      List.of(),
      List.of("judge_key"),
      Map.of()),
  /** judge-calibration: the judge's answer beside the reviewer's, per reviewed call and question. */
  JUDGE_LABELS(
      "judge_labels",
      "run_date DATE, run_id STRING, review_date DATE, call_id STRING, question STRING, people_answer BOOLEAN,"
          + " judge_answer BOOLEAN, reasoning STRING, judge_key STRING, judge_model STRING, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "review_date", "call_id", "question"),
      Map.of()),
  /** judge-calibration: per question, how far the judge agrees with reviewers (agreement, Cohen's kappa). */
  JUDGE_CALIBRATION(
      "judge_calibration",
      "run_date DATE, run_id STRING, question STRING, answers BIGINT, people_yes BIGINT, judge_yes BIGINT, agreed BIGINT,"
          + " agreement DOUBLE, agreement_low DOUBLE, agreement_high DOUBLE, kappa DOUBLE, no_verdict BIGINT,"
          + " judge_model STRING, prompt_id STRING, prompt_version INT, created_at TIMESTAMP",
      List.of("run_date"),
      List.of("run_date", "question"),
      Map.of());

  /** Column lists shared by more than one table (an enum constant cannot read another's fields). */
  private static final class Ddl {
    static final String SUMMARY =
        "item_id STRING, cache_key STRING, request_key STRING, content_hash STRING, prompt_id STRING,"
            + " prompt_version INT, provider STRING, model STRING, reported_model STRING, summary STRING,"
            + " key_features ARRAY<STRING>, pii_redacted ARRAY<STRING>, guardrail_version STRING,"
            + " item_updated_at TIMESTAMP, run_id STRING, run_date DATE, created_at TIMESTAMP";
    /** Chat messages, as the feedback datasets store prompts. */
    static final String MESSAGES = "ARRAY<STRUCT<role: STRING, content: STRING>>";
    /** Which feedback run wrote a dataset row. */
    static final String PROVENANCE = " run_id STRING, run_date DATE, created_at TIMESTAMP";
  }

  private final String tableName;
  private final StructType schema;
  private final List<String> partitionBy;
  private final List<String> key;
  private final Map<String, String> properties;

  Table(String name, String ddl, List<String> partitionBy, List<String> key, Map<String, String> properties) {
    this.tableName = name;
    this.schema = StructType.fromDDL(ddl);
    this.partitionBy = partitionBy;
    this.key = key;
    this.properties = properties;
  }

  public String tableName() {
    return tableName;
  }

  public StructType schema() {
    return schema;
  }

  public List<String> partitionBy() {
    return partitionBy;
  }

  public List<String> key() {
    return key;
  }

  public Map<String, String> properties() {
    return properties;
  }
}
