package io.flywheel.feedback;

/**
 * Why a feedback event could not be used (the {@code reason} of {@code feedback_rejects}); checked
 * in this order, and an event gets the first that applies (docs/feedback.md#checks).
 */
public enum RejectReason {
  /** A required column (event id, user, call id, event type) is null or blank. */
  MISSING_FIELD("missing_field"),
  /** Another event with the same event id was kept (the earliest by time, then by payload). */
  DUPLICATE_EVENT("duplicate_event"),
  UNKNOWN_EVENT_TYPE("unknown_event_type"),
  MALFORMED_PAYLOAD("malformed_payload"),
  /** The call id (or one of a pairwise event's call ids) is not in {@code llm_calls}. */
  UNKNOWN_CALL("unknown_call"),
  /** The call is logged but produced no usable output, or its request has no readable messages. */
  NO_OUTPUT("no_output"),
  /** A pairwise event compares two calls whose prompts differ: no preference pair can be made. */
  MISMATCHED_PROMPTS("mismatched_prompts"),
  OVER_TOKEN_LIMIT("over_token_limit"),
  /** Users disagree about the same output (or pair, or question): none of their signals is used. */
  CONFLICTING("conflicting");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
