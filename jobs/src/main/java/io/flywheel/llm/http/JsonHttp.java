package io.flywheel.llm.http;

import io.flywheel.llm.LlmException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * POSTs JSON to a provider with three timeouts: connect, read (until the response headers arrive)
 * and total (the whole attempt, body included, so that a server that stalls mid-body cannot hang a
 * task). Every transport failure becomes a {@link LlmException.Kind#TRANSIENT} exception; HTTP
 * status codes are left to the caller. One instance per client, shared by all its threads.
 */
public final class JsonHttp {
  /** A complete HTTP answer. */
  public record Reply(int status, String body, HttpHeaders headers, long latencyMillis) {}

  private final HttpClient client;
  private final Duration readTimeout;
  private final long totalTimeoutMs;

  public JsonHttp(long connectTimeoutMs, long readTimeoutMs, long totalTimeoutMs) {
    // HTTP/1.1 everywhere: vLLM, Ollama and LiteLLM speak it, and one reset connection then fails
    // one request instead of every stream multiplexed on it.
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(connectTimeoutMs))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.readTimeout = Duration.ofMillis(readTimeoutMs);
    this.totalTimeoutMs = totalTimeoutMs;
  }

  /** Sends one request; {@code headers} may hold the key, so nothing here ever prints them. */
  public Reply post(URI uri, Map<String, String> headers, String json) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(readTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    long start = System.nanoTime();
    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    try {
      HttpResponse<String> r = future.get(totalTimeoutMs, TimeUnit.MILLISECONDS);
      return new Reply(r.statusCode(), r.body(), r.headers(), (System.nanoTime() - start) / 1_000_000);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new LlmException("timeout", "no complete response within total_timeout_ms=" + totalTimeoutMs, true);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new LlmException("interrupted", "interrupted while waiting for the provider", true);
    } catch (ExecutionException e) {
      throw transportError(e.getCause());
    }
  }

  private static LlmException transportError(Throwable t) {
    if (t instanceof HttpConnectTimeoutException) {
      return new LlmException("connect_timeout", "could not connect within connect_timeout_ms", true);
    }
    if (t instanceof HttpTimeoutException) {
      return new LlmException("timeout", "no response headers within read_timeout_ms", true);
    }
    if (t instanceof ConnectException) {
      return new LlmException("connection_error", "connection refused", true);
    }
    if (t instanceof IOException) {
      // Reset, closed before or while answering, truncated body: the server may recover.
      return new LlmException(
          "connection_error", "connection failed: " + t.getClass().getSimpleName() + " " + firstLine(t.getMessage()), true);
    }
    return new LlmException("client_error", "unexpected " + t.getClass().getSimpleName(), false);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
