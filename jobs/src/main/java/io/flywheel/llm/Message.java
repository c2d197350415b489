package io.flywheel.llm;

import java.io.Serializable;

/** One chat message. */
public record Message(Role role, String content) implements Serializable {
  /** Who speaks. */
  public enum Role {
    SYSTEM,
    USER,
    ASSISTANT
  }

  public static Message system(String content) {
    return new Message(Role.SYSTEM, content);
  }

  public static Message user(String content) {
    return new Message(Role.USER, content);
  }
}
