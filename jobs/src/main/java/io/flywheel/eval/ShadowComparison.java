package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.skew.LoggedRequest;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The frame-level steps of {@code shadow-report} (docs/eval.md#shadow-report): each side's answers
 * (a warehouse's summaries with the call that produced them) and the item-by-item pairs of a shadow
 * run and production.
 */
public final class ShadowComparison {
  /** The job whose summaries a shadow run re-makes. */
  static final String SUMMARIZE = "summarize";

  private ShadowComparison() {}

  /**
   * One row per summary of {@code summaries} with the logged call that produced it ({@code ok} calls
   * of summarize, joined on the request key; the latest when a request was answered twice): item,
   * content hash, prompt, model, the summary's length, and the call's id, input (the logged item),
   * output (the raw answer the suites check), cost and output tokens. A summary whose call is no
   * longer logged has no row.
   */
  public static Dataset<Row> withAnswers(Dataset<Row> summaries, Dataset<Row> calls) {
    Dataset<Row> ok = calls.where(col("job").equalTo(SUMMARIZE).and(col("status").equalTo("ok")))
        .withColumn("_n", row_number().over(Window.partitionBy("request_key").orderBy(col("created_at").desc(), col("call_id"))))
        .where(col("_n").equalTo(1))
        .select(col("request_key"), col("call_id"), expr(LoggedRequest.sqlInputText("request")).as("input"),
            col("response").as("output"), col("cost_usd"), col("output_tokens"));
    return summaries.select(col("item_id"), col("content_hash"), col("request_key"),
            concat(col("prompt_id"), lit(" v"), col("prompt_version").cast("string")).as("prompt"), col("model"),
            length(col("summary")).as("chars"))
        .join(ok, "request_key")
        .drop("request_key");
  }

  /**
   * The items both sides summarized from the same content ({@code item_id} and {@code content_hash}
   * equal): every answer column of {@link #withAnswers} once as {@code production_x} and once as
   * {@code shadow_x}.
   */
  public static Dataset<Row> pairs(Dataset<Row> production, Dataset<Row> shadow) {
    return prefixed(production, "production_").join(prefixed(shadow, "shadow_"),
        col("production_item_id").equalTo(col("shadow_item_id"))
            .and(col("production_content_hash").equalTo(col("shadow_content_hash"))))
        .withColumnRenamed("shadow_item_id", "item_id").withColumnRenamed("shadow_content_hash", "content_hash")
        .drop("production_item_id", "production_content_hash");
  }

  private static Dataset<Row> prefixed(Dataset<Row> side, String prefix) {
    Column[] cols = java.util.Arrays.stream(side.columns()).map(c -> col(c).as(prefix + c)).toArray(Column[]::new);
    return side.select(cols);
  }

  /** One side of the pairs as an assertion target: key {@code item_id}, that side's input and output. */
  public static Dataset<Row> target(Dataset<Row> pairs, String side) {
    return pairs.select(col("item_id").as("row_key"), col(side + "_input").as("input"), col(side + "_output").as("output"));
  }

  /** The judge's final verdict (production A, shadow B) named from the shadow's side: shadow, production or tie; null unjudged. */
  public static Column shadowVerdict(Column verdict) {
    return when(verdict.equalTo("B"), lit("shadow")).when(verdict.equalTo("A"), lit("production"))
        .when(verdict.isNotNull(), lit("tie"));
  }

  /** Criteria passed per item ({@code item_id, passed}) from the verdicts of one side (the suite's criteria, not has_output). */
  public static Dataset<Row> passedPerItem(Dataset<Row> verdicts) {
    return verdicts.where(col("criterion").notEqual(AssertionRows.HAS_OUTPUT))
        .groupBy(col("row_key").as("item_id")).agg(sum(col("passed").cast("int")).cast("int").as("passed"));
  }
}
