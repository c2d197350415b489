package io.flywheel.llm;

import io.flywheel.llm.LlmException.Kind;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Calls a client under this JVM's limits and turns what happens into a {@link CallOutcome}:
 * bounded calls in flight, paced requests and tokens per minute, a circuit breaker, retries of
 * transient failures with exponential backoff and full jitter (or the server's {@code
 * Retry-After}, which pauses every caller of the JVM), checks of the answer (finish reason, pinned
 * model, response schema) and at most one repair request for an answer that breaks the schema.
 * Thread-safe; see docs/providers.md#resilience.
 */
public final class RetryingCaller {
  /** How a call is retried and what an acceptable answer is. */
  public record Policy(int maxAttempts, long initialBackoffMs, long maxBackoffMs, boolean failOnModelMismatch) {}

  /** Where the caller reads the time and waits: the system's, or a virtual one in tests. */
  interface Clock {
    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;
  }

  private static final Clock SYSTEM_CLOCK = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void sleepNanos(long nanos) throws InterruptedException {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }
  };

  private final LlmClient client;
  private final Policy policy;
  private final Semaphore inFlight;
  private final RateLimiter requests;
  private final RateLimiter tokens;
  private final CircuitBreaker breaker;
  private final Clock clock;

  /** No limits, no breaker: the client alone, with retries. */
  public RetryingCaller(LlmClient client, int maxAttempts, long initialBackoffMs) {
    this(client, new Policy(maxAttempts, initialBackoffMs, 60_000, false), Integer.MAX_VALUE,
        new RateLimiter(0), new RateLimiter(0), new CircuitBreaker(client.provider(), Integer.MAX_VALUE, 0));
  }

  public RetryingCaller(
      LlmClient client, Policy policy, int maxInFlight, RateLimiter requests, RateLimiter tokens, CircuitBreaker breaker) {
    this(client, policy, maxInFlight, requests, tokens, breaker, SYSTEM_CLOCK);
  }

  /** With the given clock; the limiters and the breaker must read the same one. */
  RetryingCaller(LlmClient client, Policy policy, int maxInFlight, RateLimiter requests, RateLimiter tokens,
      CircuitBreaker breaker, Clock clock) {
    this.client = client;
    this.policy = policy;
    this.inFlight = new Semaphore(maxInFlight, true);
    this.requests = requests;
    this.tokens = tokens;
    this.breaker = breaker;
    this.clock = clock;
  }

  /** Calls, retries, checks, and repairs once when the answer breaks the response schema. */
  public CallOutcome call(LlmRequest request) {
    CallOutcome first = callWithRetries(request);
    if (!first.ok() || request.responseSchema() == null) {
      return first;
    }
    StructuredOutput.Checked checked = StructuredOutput.check(first.response().content(), request.responseSchema());
    if (checked.valid()) {
      return new CallOutcome(withContent(first.response(), checked.json()), null, first.attempts(), first.latencyMillis());
    }
    CallOutcome second = callWithRetries(StructuredOutput.repair(request, first.response().content(), checked.problem()));
    int attempts = first.attempts() + second.attempts();
    long latency = first.latencyMillis() + second.latencyMillis();
    LlmResponse both = combined(first.response(), second.response());
    if (!second.ok()) {
      return new CallOutcome(both, second.error(), attempts, latency);
    }
    StructuredOutput.Checked repaired = StructuredOutput.check(second.response().content(), request.responseSchema());
    if (!repaired.valid()) {
      LlmException e = new LlmException("invalid_output",
          "the answer breaks the response schema, also after one repair: " + repaired.problem(), Kind.REQUEST);
      return new CallOutcome(both, e, attempts, latency);
    }
    return new CallOutcome(withContent(both, repaired.json()), null, attempts, latency);
  }

  /** What the client sends for {@code request} in its current mode (see {@link LlmClient#wire}). */
  public WireRequest wire(LlmRequest request) {
    return client.wire(request);
  }

  private CallOutcome callWithRetries(LlmRequest request) {
    long start = clock.nanoTime();
    long waited = 0;
    LlmException last = null;
    double tokenEstimate = estimateTokens(request);
    for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
      try {
        waited += acquire(tokenEstimate);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return CallOutcome.failure(new LlmException("interrupted", "interrupted while waiting to call", true),
            attempt - 1, elapsedMs(start, waited));
      }
      LlmResponse r = null;
      LlmException e = null;
      try {
        if (!breaker.allow(clock.nanoTime())) {
          requests.adjust(-1);
          tokens.adjust(-tokenEstimate);
          LlmException open = new LlmException("circuit_open",
              "not sent: the circuit breaker is open after repeated provider failures", Kind.PROVIDER);
          return CallOutcome.failure(last != null ? last : open, attempt - 1, elapsedMs(start, waited));
        }
        r = client.complete(request);
      } catch (LlmException failure) {
        e = failure;
      } catch (RuntimeException bug) {
        // An unexpected client bug must not kill the partition: record it as a non-retryable failure.
        return CallOutcome.failure(
            new LlmException("client_error", bug.getClass().getSimpleName(), false, bug), attempt, elapsedMs(start, waited));
      } finally {
        inFlight.release();
      }
      if (e != null) {
        last = e;
        if (e.kind() != Kind.REQUEST) {
          breaker.failure(clock.nanoTime(), e.errorClass());
        }
        if (!e.retryable() || attempt == policy.maxAttempts() || e.retryAfterMillis() > policy.maxBackoffMs()) {
          return CallOutcome.failure(e, attempt, elapsedMs(start, waited));
        }
        if (e.retryAfterMillis() >= 0) {
          // Everyone in this JVM waits, not just this thread: the limit is shared.
          requests.pauseUntil(clock.nanoTime() + e.retryAfterMillis() * 1_000_000);
        } else if (!sleep(backoffMs(attempt))) {
          return CallOutcome.failure(e, attempt, elapsedMs(start, waited));
        }
        continue;
      }
      tokens.adjust(r.usage().inputTokens() + r.usage().outputTokens() - tokenEstimate);
      CallOutcome outcome = checked(request, r, attempt, elapsedMs(start, waited));
      if (outcome.ok() || outcome.error().kind() == Kind.REQUEST) {
        breaker.success();
      } else {
        breaker.failure(clock.nanoTime(), outcome.error().errorClass());
      }
      return outcome;
    }
    return CallOutcome.failure(last, policy.maxAttempts(), elapsedMs(start, waited));
  }

  /** Takes a slot in flight and the rate permits; returns the nanoseconds spent waiting. */
  private long acquire(double tokenEstimate) throws InterruptedException {
    long t0 = clock.nanoTime();
    inFlight.acquire();
    try {
      long now = clock.nanoTime();
      long wait = Math.max(requests.reserve(1, now), tokens.reserve(tokenEstimate, now));
      if (wait > 0) {
        clock.sleepNanos(wait);
      }
    } catch (InterruptedException e) {
      inFlight.release();
      throw e;
    }
    return clock.nanoTime() - t0;
  }

  private CallOutcome checked(LlmRequest request, LlmResponse r, int attempts, long latency) {
    if (r.finishReason() == FinishReason.CONTENT_FILTER) {
      return new CallOutcome(r, new LlmException("content_filter", "the provider filtered or refused the answer", Kind.REQUEST),
          attempts, latency);
    }
    if (r.finishReason() == FinishReason.LENGTH) {
      return new CallOutcome(r, new LlmException("output_truncated",
          "the answer hit max_output_tokens=" + request.params().maxOutputTokens(), Kind.REQUEST), attempts, latency);
    }
    if (policy.failOnModelMismatch() && r.reportedModel() != null && !r.reportedModel().equals(request.model())) {
      return new CallOutcome(r, new LlmException("model_mismatch",
          "answered by " + r.reportedModel() + ", not the pinned " + request.model(), Kind.PROVIDER), attempts, latency);
    }
    return new CallOutcome(r, null, attempts, latency);
  }

  /** Full jitter: uniform in [0, min(max_backoff, initial * 2^(attempt-1))]. */
  long backoffMs(int attempt) {
    long cap = Math.min(policy.maxBackoffMs(), policy.initialBackoffMs() << Math.min(attempt - 1, 16));
    return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
  }

  /** What a request may use at most: its prompt's tokens plus the whole output. */
  static double estimateTokens(LlmRequest request) {
    return Usage.estimateTokens(request.messages()) + request.params().maxOutputTokens();
  }

  private static LlmResponse withContent(LlmResponse r, String content) {
    if (content.equals(r.content())) {
      return r;
    }
    return new LlmResponse(content, r.reportedModel(), r.finishReason(), r.usage(), r.latencyMillis());
  }

  /** The second answer, with the tokens and time of both. */
  private static LlmResponse combined(LlmResponse first, LlmResponse second) {
    if (second == null) {
      return first;
    }
    return new LlmResponse(second.content(), second.reportedModel(), second.finishReason(),
        new Usage(first.usage().inputTokens() + second.usage().inputTokens(),
            first.usage().outputTokens() + second.usage().outputTokens()),
        first.latencyMillis() + second.latencyMillis());
  }

  private long elapsedMs(long start, long waitedNanos) {
    return Math.max(0, (clock.nanoTime() - start - waitedNanos) / 1_000_000);
  }

  private boolean sleep(long ms) {
    try {
      clock.sleepNanos(ms * 1_000_000);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
