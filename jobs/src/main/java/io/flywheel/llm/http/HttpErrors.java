package io.flywheel.llm.http;

import io.flywheel.llm.LlmException;
import io.flywheel.llm.LlmException.Kind;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps an HTTP error answer to what it means for the row (see docs/providers.md#errors): 429, 408
 * and 5xx are transient; 401, 403 and 404 mean the key, model or URL is wrong for every row; any
 * other 4xx, context-length and content-filter errors are the request's own fault.
 */
public final class HttpErrors {
  private static final Pattern CONTEXT_LENGTH =
      Pattern.compile("(?i)context.length|context_length|prompt is too long|maximum context|too many tokens");
  private static final Pattern CONTENT_FILTER =
      Pattern.compile("(?i)content.filter|content_policy|content management policy|safety system");

  private HttpErrors() {}

  /**
   * @param code the provider's error code or type from the body ({@code context_length_exceeded},
   *     {@code overloaded_error}), or null
   * @param message the provider's message, already scrubbed of secrets
   */
  public static LlmException of(int status, String code, String message, HttpHeaders headers) {
    String detail = "HTTP " + status + (code == null || code.isEmpty() ? "" : " " + code) + ": " + message;
    String both = (code == null ? "" : code) + " " + message;
    if (status == 400 || status == 413 || status == 422) {
      if (CONTEXT_LENGTH.matcher(both).find() || status == 413) {
        return new LlmException("context_length", detail, Kind.REQUEST);
      }
      if (CONTENT_FILTER.matcher(both).find()) {
        return new LlmException("content_filter", detail, Kind.REQUEST);
      }
    }
    return switch (status) {
      case 429, 408, 500, 502, 503, 504, 529 ->
          new LlmException("http_" + status, detail, Kind.TRANSIENT, retryAfterMillis(headers, Instant.now()), null);
      case 401, 403, 404 -> new LlmException("http_" + status, detail, Kind.PROVIDER);
      default ->
          status >= 500
              ? new LlmException("http_" + status, detail, Kind.TRANSIENT, retryAfterMillis(headers, Instant.now()), null)
              : new LlmException("http_" + status, detail, Kind.REQUEST);
    };
  }

  /**
   * What the server asked us to wait: {@code retry-after-ms}, or {@code Retry-After} in seconds or
   * as an HTTP date; -1 when absent or unreadable.
   */
  public static long retryAfterMillis(HttpHeaders headers, Instant now) {
    Optional<String> ms = headers.firstValue("retry-after-ms");
    if (ms.isPresent()) {
      try {
        return Math.max(0, (long) Double.parseDouble(ms.get().strip()));
      } catch (NumberFormatException e) {
        // fall through to Retry-After
      }
    }
    Optional<String> ra = headers.firstValue("retry-after");
    if (ra.isEmpty()) {
      return -1;
    }
    String v = ra.get().strip();
    try {
      return Math.max(0, (long) (Double.parseDouble(v) * 1000));
    } catch (NumberFormatException e) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)).toInstant();
        return Math.max(0, Duration.between(now, at).toMillis());
      } catch (RuntimeException e2) {
        return -1;
      }
    }
  }
}
