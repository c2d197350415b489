package io.flywheel.feedback;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every feedback event type, what it says about the output shown, and which rows it produces in
 * each dataset: the one place in code for the table in docs/feedback.md#mapping (a test checks that
 * the doc lists the same types and mapping).
 */
public enum FeedbackEventType {
  ACCEPT("accept", Subject.OUTPUT, Strength.STRONG, Stance.POSITIVE,
      Map.of(FeedbackDataset.SFT_EXAMPLES, "prompt -> output",
          FeedbackDataset.PREFERENCE_PAIRS, "chosen side of a regenerate pair (see regenerate)",
          FeedbackDataset.KTO_EXAMPLES, "prompt, output, true")),
  ACCEPT_EDITED("accept_edited", Subject.OUTPUT, Strength.STRONG, Stance.NEUTRAL,
      Map.of(FeedbackDataset.SFT_EXAMPLES, "prompt -> edited text",
          FeedbackDataset.PREFERENCE_PAIRS, "chosen edited text, rejected output (when they differ)",
          FeedbackDataset.KTO_EXAMPLES, "prompt, edited text, true; and prompt, output, false (when they differ)")),
  IGNORE("ignore", Subject.OUTPUT, Strength.NONE, Stance.NEUTRAL, Map.of()),
  REJECT("reject", Subject.OUTPUT, Strength.STRONG, Stance.NEGATIVE,
      Map.of(FeedbackDataset.KTO_EXAMPLES, "prompt, output, false")),
  THUMBS_UP("thumbs_up", Subject.OUTPUT, Strength.WEAK, Stance.POSITIVE,
      Map.of(FeedbackDataset.KTO_EXAMPLES, "prompt, output, true")),
  THUMBS_DOWN("thumbs_down", Subject.OUTPUT, Strength.WEAK, Stance.NEGATIVE,
      Map.of(FeedbackDataset.KTO_EXAMPLES, "prompt, output, false")),
  REGENERATE("regenerate", Subject.OUTPUT, Strength.STRONG, Stance.NEGATIVE,
      Map.of(FeedbackDataset.PREFERENCE_PAIRS,
          "chosen: output of payload next_call_id when the same user's effective signal on it is accept and"
              + " the prompts are equal; rejected: this output",
          FeedbackDataset.KTO_EXAMPLES, "prompt, output, false")),
  PAIRWISE("pairwise", Subject.PAIR, Strength.STRONG, Stance.CHOICE,
      Map.of(FeedbackDataset.PREFERENCE_PAIRS, "chosen preferred output, rejected the other; ties produce nothing")),
  BINARY_LABEL("binary_label", Subject.QUESTION, Strength.STRONG, Stance.CHOICE,
      Map.of(FeedbackDataset.BINARY_LABELS, "question, prompt, output, answer"));

  /** What a signal is about; signals on the same subject compete under {@link SignalPrecedence}. */
  public enum Subject {
    /** One logged output (the event's call id). */
    OUTPUT,
    /** An unordered pair of outputs (the payload's two call ids). */
    PAIR,
    /** One output and one named yes/no question. */
    QUESTION
  }

  /** How much a signal counts against others from the same user on the same subject. */
  public enum Strength {
    /** Never overrides anything: the user may not have looked. */
    NONE,
    WEAK,
    STRONG
  }

  /** What the signal says; effective signals of different users with different stances conflict. */
  public enum Stance {
    POSITIVE,
    NEGATIVE,
    /** Takes no side on the output as shown (an edit, an ignore): conflicts with nothing. */
    NEUTRAL,
    /** The stance is the payload's answer (the preferred call id, yes or no); a tie is neutral. */
    CHOICE
  }

  private final String code;
  private final Subject subject;
  private final Strength strength;
  private final Stance stance;
  private final Map<FeedbackDataset, String> rows;

  FeedbackEventType(String code, Subject subject, Strength strength, Stance stance, Map<FeedbackDataset, String> rows) {
    this.code = code;
    this.subject = subject;
    this.strength = strength;
    this.stance = stance;
    this.rows = rows.isEmpty() ? Map.of() : new EnumMap<>(rows);
  }

  /** The name used in {@code feedback_events.event_type}. */
  public String code() {
    return code;
  }

  public Subject subject() {
    return subject;
  }

  public Strength strength() {
    return strength;
  }

  public Stance stance() {
    return stance;
  }

  /** What this type contributes to each dataset it feeds, in words; absent datasets get nothing. */
  public Map<FeedbackDataset, String> rows() {
    return rows;
  }

  public boolean feeds(FeedbackDataset dataset) {
    return rows.containsKey(dataset);
  }

  /** The type named {@code code} (exact, lower case), if any. */
  public static Optional<FeedbackEventType> of(String code) {
    if (code == null) {
      return Optional.empty();
    }
    for (FeedbackEventType t : values()) {
      if (t.code.equals(code)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** Every code, in declaration order. */
  public static List<String> codes() {
    return Arrays.stream(values()).map(FeedbackEventType::code).toList();
  }

  @Override
  public String toString() {
    return code;
  }
}
