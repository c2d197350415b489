package io.flywheel.feedback;

import java.io.Serializable;

/** One message of a training example: role {@code system}, {@code user} or {@code assistant}, and its text. */
public record ChatMessage(String role, String content) implements Serializable {
  public static final String SYSTEM = "system";
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";

  public static ChatMessage assistant(String content) {
    return new ChatMessage(ASSISTANT, content);
  }
}
