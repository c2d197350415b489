package io.flywheel.feedback;

import static org.apache.spark.sql.functions.floor;

import java.util.List;
import org.apache.spark.sql.Column;

/**
 * Token estimate of a training example: its characters (every message, prompt and answer) at about
 * 4 characters a token, as {@code io.flywheel.llm.Usage} estimates prompts for budgets
 * (docs/feedback.md#token-limit).
 */
public final class ExampleTokens {
  private ExampleTokens() {}

  public static long fromChars(long chars) {
    return (chars + 3) / 4;
  }

  /** {@link #fromChars(long)} as a column. */
  public static Column fromChars(Column chars) {
    return floor(chars.plus(3).divide(4)).cast("long");
  }

  public static long of(List<ChatMessage> messages) {
    long chars = 0;
    for (ChatMessage m : messages) {
      chars += m.content() == null ? 0 : m.content().length();
    }
    return fromChars(chars);
  }
}
