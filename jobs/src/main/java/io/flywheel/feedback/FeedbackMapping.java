package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Effective feedback events turned into the rows of each dataset, as {@link FeedbackEventType#rows()}
 * and docs/feedback.md#mapping say. Input: the output of {@link FeedbackEvents#withEventChecks}; only
 * rows with {@code is_effective} are read. Output rows carry the user and event they come from (for
 * the split and forget-user), but no {@code example_id} yet: that is set after PII scrubbing
 * ({@link ExampleCleaning#withExampleId}).
 */
public final class FeedbackMapping {
  private FeedbackMapping() {}

  private static Dataset<Row> effective(Dataset<Row> checked, FeedbackEventType... types) {
    String[] codes = new String[types.length];
    for (int i = 0; i < types.length; i++) {
      codes[i] = types[i].code();
    }
    return checked.filter(col("is_effective").and(col("event_type").isin((Object[]) codes)));
  }

  private static Column edited() {
    return col("edited_text").isNotNull().and(col("edited_text").notEqual(col("output")));
  }

  /** {@code sft_examples}: prompt and target (the accepted output, or the edited text). */
  public static Dataset<Row> sftExamples(Dataset<Row> checked) {
    return effective(checked, FeedbackEventType.ACCEPT, FeedbackEventType.ACCEPT_EDITED)
        .select(col("user_id"), col("event_id"), col("call_id"), col("event_type").as("source_event_type"),
            col("prompt"), coalesce(col("edited_text"), col("output")).as("completion"), col("event_time"));
  }

  /**
   * {@code preference_pairs}: edited text over the output; the accepted replacement over a
   * regenerated output (same user, same prompt); the pairwise winner over the loser (ties excluded).
   */
  public static Dataset<Row> preferencePairs(Dataset<Row> checked) {
    Dataset<Row> edits = effective(checked, FeedbackEventType.ACCEPT_EDITED).filter(edited())
        .select(col("user_id"), col("event_id"), col("event_type").as("source_event_type"), col("prompt"),
            col("edited_text").as("chosen"), col("output").as("rejected"), lit(null).cast("string").as("chosen_call_id"),
            col("call_id").as("rejected_call_id"), col("event_time"));
    Dataset<Row> pairwise = effective(checked, FeedbackEventType.PAIRWISE).filter(not(col("is_tie")))
        .select(col("user_id"), col("event_id"), col("event_type").as("source_event_type"), col("prompt"),
            when(col("preferred_call_id").equalTo(col("call_id")), col("output")).otherwise(col("other_output")).as("chosen"),
            when(col("preferred_call_id").equalTo(col("call_id")), col("other_output")).otherwise(col("output")).as("rejected"),
            col("preferred_call_id").as("chosen_call_id"),
            when(col("preferred_call_id").equalTo(col("call_id")), col("other_call_id")).otherwise(col("call_id"))
                .as("rejected_call_id"),
            col("event_time"));
    Dataset<Row> regen = effective(checked, FeedbackEventType.REGENERATE).filter(col("next_call_id").isNotNull()).as("r");
    Dataset<Row> accepted = effective(checked, FeedbackEventType.ACCEPT).as("a");
    Dataset<Row> regenerated = regen.join(accepted, col("r.user_id").equalTo(col("a.user_id"))
            .and(col("r.next_call_id").equalTo(col("a.call_id"))).and(col("r.prompt").equalTo(col("a.prompt"))))
        .select(col("r.user_id"), col("r.event_id"), col("r.event_type").as("source_event_type"), col("r.prompt"),
            col("a.output").as("chosen"), col("r.output").as("rejected"), col("a.call_id").as("chosen_call_id"),
            col("r.call_id").as("rejected_call_id"), greatest(col("r.event_time"), col("a.event_time")).as("event_time"));
    return edits.unionByName(pairwise).unionByName(regenerated)
        .filter(col("chosen").notEqual(col("rejected")));
  }

  /** {@code kto_examples}: prompt, completion and whether it is desirable. */
  public static Dataset<Row> ktoExamples(Dataset<Row> checked) {
    Dataset<Row> plain = effective(checked, FeedbackEventType.ACCEPT, FeedbackEventType.THUMBS_UP,
            FeedbackEventType.REJECT, FeedbackEventType.THUMBS_DOWN, FeedbackEventType.REGENERATE)
        .select(col("user_id"), col("event_id"), col("call_id"), col("event_type").as("source_event_type"), col("prompt"),
            col("output").as("completion"),
            col("event_type").isin(FeedbackEventType.ACCEPT.code(), FeedbackEventType.THUMBS_UP.code()).as("label"),
            col("event_time"));
    Dataset<Row> edit = effective(checked, FeedbackEventType.ACCEPT_EDITED);
    Dataset<Row> editGood = edit.select(col("user_id"), col("event_id"), col("call_id"),
        col("event_type").as("source_event_type"), col("prompt"), col("edited_text").as("completion"), lit(true).as("label"),
        col("event_time"));
    Dataset<Row> editBad = edit.filter(edited()).select(col("user_id"), col("event_id"), col("call_id"),
        col("event_type").as("source_event_type"), col("prompt"), col("output").as("completion"), lit(false).as("label"),
        col("event_time"));
    return plain.unionByName(editGood).unionByName(editBad);
  }

  /** {@code binary_labels}: per named question, the prompt, the output and the yes/no answer. */
  public static Dataset<Row> binaryLabels(Dataset<Row> checked) {
    return effective(checked, FeedbackEventType.BINARY_LABEL)
        .select(col("user_id"), col("event_id"), col("call_id"), col("event_type").as("source_event_type"),
            col("question"), col("prompt"), col("output").as("completion"), col("answer"), col("event_time"));
  }

  /** The rows of {@code dataset}. */
  public static Dataset<Row> rows(FeedbackDataset dataset, Dataset<Row> checked) {
    return switch (dataset) {
      case SFT_EXAMPLES -> sftExamples(checked);
      case PREFERENCE_PAIRS -> preferencePairs(checked);
      case KTO_EXAMPLES -> ktoExamples(checked);
      case BINARY_LABELS -> binaryLabels(checked);
    };
  }
}
