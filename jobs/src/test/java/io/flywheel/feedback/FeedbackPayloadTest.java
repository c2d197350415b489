package io.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.feedback.FeedbackPayload.Parsed;
import org.junit.jupiter.api.Test;

class FeedbackPayloadTest {
  private static Parsed parse(FeedbackEventType t, String json) {
    return FeedbackPayload.parse(t, json);
  }

  @Test
  void typesWithoutPayloadAcceptNothingOrAnyObject() {
    for (FeedbackEventType t : new FeedbackEventType[] {FeedbackEventType.ACCEPT, FeedbackEventType.IGNORE,
        FeedbackEventType.REJECT, FeedbackEventType.THUMBS_UP, FeedbackEventType.THUMBS_DOWN}) {
      assertThat(parse(t, null).payload()).isInstanceOf(FeedbackPayload.None.class);
      assertThat(parse(t, "  ").isOk()).isTrue();
      assertThat(parse(t, "{\"ui\": \"card\"}").isOk()).isTrue();
      assertThat(parse(t, "{not json").error()).startsWith("payload is not JSON");
      assertThat(parse(t, "[1,2]").error()).isEqualTo("payload must be a JSON object, got array");
    }
  }

  @Test
  void acceptEditedNeedsNonBlankEditedText() {
    assertThat(parse(FeedbackEventType.ACCEPT_EDITED, "{\"edited_text\": \"Better.\"}").payload())
        .isEqualTo(new FeedbackPayload.Edited("Better."));
    assertThat(parse(FeedbackEventType.ACCEPT_EDITED, null).error())
        .isEqualTo("payload is empty; payload.edited_text (a non-empty string) is required");
    assertThat(parse(FeedbackEventType.ACCEPT_EDITED, "{}").error()).isEqualTo("payload.edited_text is missing");
    assertThat(parse(FeedbackEventType.ACCEPT_EDITED, "{\"edited_text\": 3}").error())
        .isEqualTo("payload.edited_text must be a string, got number");
    assertThat(parse(FeedbackEventType.ACCEPT_EDITED, "{\"edited_text\": \"  \"}").error())
        .isEqualTo("payload.edited_text is blank");
  }

  @Test
  void regenerateMayNameTheNextCall() {
    assertThat(parse(FeedbackEventType.REGENERATE, null).payload()).isEqualTo(new FeedbackPayload.Regenerated(null));
    assertThat(parse(FeedbackEventType.REGENERATE, "{\"next_call_id\": \"c2\"}").payload())
        .isEqualTo(new FeedbackPayload.Regenerated("c2"));
    assertThat(parse(FeedbackEventType.REGENERATE, "{\"next_call_id\": 7}").error())
        .isEqualTo("payload.next_call_id must be a string, got number");
  }

  @Test
  void pairwiseNeedsTwoDistinctCallsAndAWinnerOrTie() {
    FeedbackPayload.Pairwise p = (FeedbackPayload.Pairwise)
        parse(FeedbackEventType.PAIRWISE, "{\"call_ids\": [\"a\", \"b\"], \"preferred\": \"b\"}").payload();
    assertThat(p.preferred()).isEqualTo("b");
    assertThat(p.other()).isEqualTo("a");
    assertThat(p.tie()).isFalse();
    FeedbackPayload.Pairwise tie = (FeedbackPayload.Pairwise)
        parse(FeedbackEventType.PAIRWISE, "{\"call_ids\": [\"a\", \"b\"], \"preferred\": \"tie\"}").payload();
    assertThat(tie.tie()).isTrue();
    assertThat(tie.other()).isNull();
    assertThat(parse(FeedbackEventType.PAIRWISE, "{\"call_ids\": [\"a\"], \"preferred\": \"a\"}").error())
        .isEqualTo("payload.call_ids must be an array of exactly 2 call ids");
    assertThat(parse(FeedbackEventType.PAIRWISE, "{\"call_ids\": [\"a\", \"a\"], \"preferred\": \"a\"}").error())
        .isEqualTo("payload.call_ids names the same call twice: a");
    assertThat(parse(FeedbackEventType.PAIRWISE, "{\"call_ids\": [\"a\", \"b\"], \"preferred\": \"c\"}").error())
        .isEqualTo("payload.preferred 'c' is neither of payload.call_ids nor \"tie\"");
    assertThat(parse(FeedbackEventType.PAIRWISE, "{\"call_ids\": [\"a\", \"b\"]}").error())
        .isEqualTo("payload.preferred must be one of the two call ids or \"tie\"");
    assertThat(parse(FeedbackEventType.PAIRWISE, null).error()).startsWith("pairwise needs a payload");
  }

  @Test
  void binaryLabelReadsBooleansAndYesNo() {
    assertThat(parse(FeedbackEventType.BINARY_LABEL, "{\"question\": \"factually_consistent\", \"answer\": true}").payload())
        .isEqualTo(new FeedbackPayload.BinaryLabel("factually_consistent", true));
    assertThat(parse(FeedbackEventType.BINARY_LABEL, "{\"question\": \"q\", \"answer\": \"No\"}").payload())
        .isEqualTo(new FeedbackPayload.BinaryLabel("q", false));
    assertThat(parse(FeedbackEventType.BINARY_LABEL, "{\"question\": \"q\", \"answer\": \"maybe\"}").error())
        .isEqualTo("payload.answer must be true, false, \"yes\" or \"no\", got \"maybe\"");
    assertThat(parse(FeedbackEventType.BINARY_LABEL, "{\"question\": \"q\"}").error())
        .isEqualTo("payload.answer must be true, false, \"yes\" or \"no\" (it is missing)");
    assertThat(parse(FeedbackEventType.BINARY_LABEL, "{\"answer\": true}").error()).isEqualTo("payload.question is missing");
    assertThat(parse(FeedbackEventType.BINARY_LABEL, "{\"question\": \"" + "x".repeat(65) + "\", \"answer\": true}").error())
        .isEqualTo("payload.question is 65 characters; a question name has at most 64");
  }
}
