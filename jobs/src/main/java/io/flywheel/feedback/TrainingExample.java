package io.flywheel.feedback;

import java.io.Serializable;
import java.util.List;

/**
 * One exportable example, in the shape its family of formats needs (docs/feedback.md#formats).
 * {@code exampleId} orders the file; {@code sourceEventType} is counted in the manifest but not written.
 */
public sealed interface TrainingExample extends Serializable {
  String exampleId();

  String sourceEventType();

  /** SFT: the whole conversation, ending with the assistant answer to learn. */
  record Chat(String exampleId, String sourceEventType, List<ChatMessage> messages) implements TrainingExample {}

  /** Paired preference: a prompt and two assistant answers, the chosen one first. */
  record Preference(String exampleId, String sourceEventType, List<ChatMessage> prompt, String chosen, String rejected)
      implements TrainingExample {}

  /** Unpaired preference (KTO): a prompt, one assistant answer, and whether it is desirable. */
  record Unpaired(String exampleId, String sourceEventType, List<ChatMessage> prompt, String completion, boolean label)
      implements TrainingExample {}
}
