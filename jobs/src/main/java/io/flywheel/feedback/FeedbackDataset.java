package io.flywheel.feedback;

/** The training datasets that feedback events feed (docs/feedback.md#datasets). */
public enum FeedbackDataset {
  SFT_EXAMPLES("sft_examples"),
  PREFERENCE_PAIRS("preference_pairs"),
  KTO_EXAMPLES("kto_examples"),
  BINARY_LABELS("binary_labels");

  private final String tableName;

  FeedbackDataset(String tableName) {
    this.tableName = tableName;
  }

  public String tableName() {
    return tableName;
  }
}
