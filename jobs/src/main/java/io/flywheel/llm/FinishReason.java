package io.flywheel.llm;

/** Why the model stopped, mapped from each provider's own vocabulary. */
public enum FinishReason {
  STOP,
  LENGTH,
  CONTENT_FILTER,
  TOOL_USE,
  OTHER
}
