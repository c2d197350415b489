package io.flywheel.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.Locale;

/**
 * The parsed JSON payload of a feedback event, per type (docs/feedback.md#payloads). {@link #parse}
 * never throws on bad input: it returns a {@link Parsed} whose {@code error} says precisely what is
 * wrong, which becomes the {@code detail} of a {@code malformed_payload} reject.
 */
public sealed interface FeedbackPayload extends Serializable {
  /** No payload needed (accept, ignore, reject, thumbs up/down); any JSON object or nothing is fine. */
  record None() implements FeedbackPayload {}

  /** {@code accept_edited}: the text the user kept instead of the output. */
  record Edited(String editedText) implements FeedbackPayload {}

  /** {@code regenerate}: the call that replaced the output, when the client knows it (may be null). */
  record Regenerated(String nextCallId) implements FeedbackPayload {}

  /** {@code pairwise}: two distinct call ids and the preferred one, or null for a tie. */
  record Pairwise(String callA, String callB, String preferred) implements FeedbackPayload {
    public boolean tie() {
      return preferred == null;
    }

    /** The call that lost, or null for a tie. */
    public String other() {
      return preferred == null ? null : preferred.equals(callA) ? callB : callA;
    }
  }

  /** {@code binary_label}: a named yes/no question about the output and its answer. */
  record BinaryLabel(String question, boolean answer) implements FeedbackPayload {}

  /** Either a payload or the reason it could not be read. */
  record Parsed(FeedbackPayload payload, String error) implements Serializable {
    static Parsed ok(FeedbackPayload p) {
      return new Parsed(p, null);
    }

    static Parsed error(String e) {
      return new Parsed(null, e);
    }

    public boolean isOk() {
      return error == null;
    }
  }

  /** Longest question name accepted: a name, not a sentence. */
  int MAX_QUESTION_LENGTH = 64;

  ObjectMapper JSON = new ObjectMapper();

  /** Parses {@code payload} (JSON text or null) for an event of {@code type}. */
  static Parsed parse(FeedbackEventType type, String payload) {
    JsonNode node;
    if (payload == null || payload.isBlank()) {
      node = null;
    } else {
      try {
        node = JSON.readTree(payload);
      } catch (JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        return Parsed.error("payload is not JSON: " + (msg == null ? e.getClass().getSimpleName() : firstLine(msg)));
      }
      if (node == null || node.isMissingNode()) {
        node = null;
      } else if (!node.isObject()) {
        return Parsed.error("payload must be a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
      }
    }
    return switch (type) {
      case ACCEPT, IGNORE, REJECT, THUMBS_UP, THUMBS_DOWN -> Parsed.ok(new None());
      case ACCEPT_EDITED -> {
        String text = requiredText(node, "edited_text");
        yield text == null ? Parsed.error(missingText(node, "edited_text")) : Parsed.ok(new Edited(text));
      }
      case REGENERATE -> {
        if (node == null || !node.has("next_call_id") || node.get("next_call_id").isNull()) {
          yield Parsed.ok(new Regenerated(null));
        }
        String next = requiredText(node, "next_call_id");
        yield next == null ? Parsed.error(missingText(node, "next_call_id")) : Parsed.ok(new Regenerated(next));
      }
      case PAIRWISE -> pairwise(node);
      case BINARY_LABEL -> binaryLabel(node);
    };
  }

  private static Parsed pairwise(JsonNode node) {
    if (node == null) {
      return Parsed.error("pairwise needs a payload {\"call_ids\": [a, b], \"preferred\": a | b | \"tie\"}");
    }
    JsonNode ids = node.get("call_ids");
    if (ids == null || !ids.isArray() || ids.size() != 2) {
      return Parsed.error("payload.call_ids must be an array of exactly 2 call ids");
    }
    String a = ids.get(0).isTextual() ? ids.get(0).asText().strip() : "";
    String b = ids.get(1).isTextual() ? ids.get(1).asText().strip() : "";
    if (a.isEmpty() || b.isEmpty()) {
      return Parsed.error("payload.call_ids must hold two non-empty strings");
    }
    if (a.equals(b)) {
      return Parsed.error("payload.call_ids names the same call twice: " + a);
    }
    JsonNode p = node.get("preferred");
    if (p == null || !p.isTextual()) {
      return Parsed.error("payload.preferred must be one of the two call ids or \"tie\"");
    }
    String preferred = p.asText().strip();
    if (preferred.equals("tie")) {
      return Parsed.ok(new Pairwise(a, b, null));
    }
    if (!preferred.equals(a) && !preferred.equals(b)) {
      return Parsed.error("payload.preferred '" + abbreviate(preferred) + "' is neither of payload.call_ids nor \"tie\"");
    }
    return Parsed.ok(new Pairwise(a, b, preferred));
  }

  private static Parsed binaryLabel(JsonNode node) {
    if (node == null) {
      return Parsed.error("binary_label needs a payload {\"question\": name, \"answer\": true | false | \"yes\" | \"no\"}");
    }
    String q = requiredText(node, "question");
    if (q == null) {
      return Parsed.error(missingText(node, "question"));
    }
    if (q.length() > MAX_QUESTION_LENGTH) {
      return Parsed.error("payload.question is " + q.length() + " characters; a question name has at most " + MAX_QUESTION_LENGTH);
    }
    JsonNode a = node.get("answer");
    Boolean answer = null;
    if (a != null && a.isBoolean()) {
      answer = a.asBoolean();
    } else if (a != null && a.isTextual()) {
      String s = a.asText().strip().toLowerCase(Locale.ROOT);
      answer = s.equals("yes") ? Boolean.TRUE : s.equals("no") ? Boolean.FALSE : null;
    }
    if (answer == null) {
      return Parsed.error("payload.answer must be true, false, \"yes\" or \"no\"" + (a == null ? " (it is missing)" : ", got " + abbreviate(a.toString())));
    }
    return Parsed.ok(new BinaryLabel(q, answer));
  }

  private static String requiredText(JsonNode node, String field) {
    if (node == null) {
      return null;
    }
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      return null;
    }
    return v.asText();
  }

  private static String missingText(JsonNode node, String field) {
    if (node == null) {
      return "payload is empty; payload." + field + " (a non-empty string) is required";
    }
    JsonNode v = node.get(field);
    if (v == null) {
      return "payload." + field + " is missing";
    }
    if (!v.isTextual()) {
      return "payload." + field + " must be a string, got " + v.getNodeType().name().toLowerCase(Locale.ROOT);
    }
    return "payload." + field + " is blank";
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return abbreviate(nl < 0 ? s : s.substring(0, nl));
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
