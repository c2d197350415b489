package io.flywheel.llm;

import java.io.Serializable;
import java.util.List;

/** Token counts as the provider reported them (the local provider estimates them). */
public record Usage(int inputTokens, int outputTokens) implements Serializable {
  /** About 4 characters a token: for budgets, limits, and servers that report no usage. */
  public static int estimateTokens(String text) {
    return (text.length() + 3) / 4;
  }

  /** {@link #estimateTokens(String)} over every message of a prompt. */
  public static int estimateTokens(List<Message> messages) {
    long chars = 0;
    for (Message m : messages) {
      chars += m.content().length();
    }
    return (int) ((chars + 3) / 4);
  }
}
