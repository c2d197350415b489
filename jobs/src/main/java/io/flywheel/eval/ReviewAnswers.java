package io.flywheel.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The answers a reviewer saved from the review page (its "Download answers" button): a JSON array of
 * {@code {"run_date": "2026-11-28", "call_id": "...", "question": "useful", "answer": true}}.
 * Recorded into {@code review_queue} by {@code review-sample --answers FILE --reviewer NAME}.
 */
public final class ReviewAnswers {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One answer to one question about one sampled call. */
  public record Answer(LocalDate runDate, String callId, String question, boolean answer) {}

  private ReviewAnswers() {}

  /** The answers in {@code file}; a config error naming {@code eval.review.answers}, the file and the entry when one is bad. */
  public static List<Answer> read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw error(file, "cannot be read: " + e.getMessage());
    }
    return parse(text, file);
  }

  static List<Answer> parse(String text, Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw error(file, "is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isArray()) {
      throw error(file, "must be a JSON array of answers, as the review page saves them");
    }
    List<Answer> out = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode a = root.get(i);
      String at = "entry " + i;
      LocalDate date;
      try {
        date = LocalDate.parse(text(a, "run_date", file, at));
      } catch (DateTimeParseException e) {
        throw error(file, at + ": run_date must be YYYY-MM-DD, was '" + a.path("run_date").asText() + "'");
      }
      JsonNode answer = a.path("answer");
      if (!answer.isBoolean()) {
        throw error(file, at + ": answer must be true or false, was " + answer);
      }
      out.add(new Answer(date, text(a, "call_id", file, at), text(a, "question", file, at), answer.booleanValue()));
    }
    return out;
  }

  private static String text(JsonNode a, String field, Path file, String at) {
    JsonNode v = a.path(field);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw error(file, at + ": " + field + " must be a non-empty string");
    }
    return v.asText();
  }

  private static ConfigException error(Path file, String problem) {
    return new ConfigException("key 'eval.review.answers': " + file + " " + problem);
  }
}
