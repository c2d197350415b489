package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Retries, limits, breaker and answer checks of {@link RetryingCaller}; time is virtual, never the wall clock. */
class RetryingCallerTest {
  private static final long MS = 1_000_000L;
  private static final LlmRequest REQUEST =
      new LlmRequest("m", List.of(Message.user("hi")), new ResponseSchema("s", 1, "{}"), new DecodingParams(0, 1, 10, 0));
  private static final LlmResponse OK = new LlmResponse("{}", "m", FinishReason.STOP, new Usage(1, 1), 0);

  /** Fails the first {@code failures} calls with {@code error}, then answers. */
  private static final class FlakyClient implements LlmClient {
    final AtomicInteger calls = new AtomicInteger();
    private final int failures;
    private final RuntimeException error;

    FlakyClient(int failures, RuntimeException error) {
      this.failures = failures;
      this.error = error;
    }

    @Override
    public String provider() {
      return "test";
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
      if (calls.incrementAndGet() <= failures) {
        throw error;
      }
      return OK;
    }
  }

  private static LlmException retryable() {
    return new LlmException("http_429", "rate limited", true);
  }

  @Test
  void firstSuccessNeedsOneAttempt() {
    FlakyClient client = new FlakyClient(0, retryable());
    CallOutcome o = new RetryingCaller(client, 3, 1).call(REQUEST);
    assertThat(o.ok()).isTrue();
    assertThat(o.response()).isSameAs(OK);
    assertThat(o.attempts()).isEqualTo(1);
    assertThat(client.calls).hasValue(1);
  }

  @Test
  void retriesRetryableFailuresUntilSuccess() {
    FlakyClient client = new FlakyClient(2, retryable());
    CallOutcome o = new RetryingCaller(client, 3, 1).call(REQUEST);
    assertThat(o.ok()).isTrue();
    assertThat(o.error()).isNull();
    assertThat(o.attempts()).isEqualTo(3);
    assertThat(client.calls).hasValue(3);
  }

  @Test
  void givesUpAfterMaxAttempts() {
    LlmException error = retryable();
    FlakyClient client = new FlakyClient(10, error);
    CallOutcome o = new RetryingCaller(client, 4, 1).call(REQUEST);
    assertThat(o.ok()).isFalse();
    assertThat(o.attempts()).isEqualTo(4);
    assertThat(client.calls).hasValue(4);
    assertThat(o.error()).isSameAs(error);
    assertThat(o.errorStatus()).isEqualTo("retryable_error");
  }

  @Test
  void doesNotRetryNonRetryableFailure() {
    LlmException error = new LlmException("http_400", "bad request", false);
    FlakyClient client = new FlakyClient(1, error);
    CallOutcome o = new RetryingCaller(client, 5, 1).call(REQUEST);
    assertThat(o.ok()).isFalse();
    assertThat(o.attempts()).isEqualTo(1);
    assertThat(client.calls).hasValue(1);
    assertThat(o.error()).isSameAs(error);
    assertThat(o.errorStatus()).isEqualTo("failed");
  }

  @Test
  void unexpectedClientExceptionBecomesNonRetryableFailure() {
    FlakyClient client = new FlakyClient(1, new IllegalStateException("boom"));
    CallOutcome o = new RetryingCaller(client, 5, 1).call(REQUEST);
    assertThat(o.ok()).isFalse();
    assertThat(o.attempts()).isEqualTo(1);
    assertThat(client.calls).hasValue(1);
    assertThat(o.error().retryable()).isFalse();
    assertThat(o.error().errorClass()).isEqualTo("client_error");
    assertThat(o.error().getCause()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void singleAttemptMeansNoRetry() {
    FlakyClient client = new FlakyClient(1, retryable());
    CallOutcome o = new RetryingCaller(client, 1, 1).call(REQUEST);
    assertThat(o.ok()).isFalse();
    assertThat(o.attempts()).isEqualTo(1);
    assertThat(client.calls).hasValue(1);
  }

  @Test
  void backoffIsFullJitterUpToDoublingCap() {
    RetryingCaller caller = new RetryingCaller(new FlakyClient(0, retryable()), 3, 100);
    for (int i = 0; i < 200; i++) {
      assertThat(caller.backoffMs(1)).isBetween(0L, 100L);
      assertThat(caller.backoffMs(3)).isBetween(0L, 400L);
      assertThat(caller.backoffMs(40)).isBetween(0L, 60_000L);
    }
    long max = 0;
    for (int i = 0; i < 500; i++) {
      max = Math.max(max, caller.backoffMs(3));
    }
    assertThat(max).as("jitter reaches past the previous cap").isGreaterThan(200L);
  }

  @Test
  void zeroInitialBackoffNeverSleeps() {
    RetryingCaller caller = new RetryingCaller(new FlakyClient(0, retryable()), 3, 0);
    assertThat(caller.backoffMs(1)).isZero();
    assertThat(caller.backoffMs(5)).isZero();
  }

  /**
   * A clock that moves only when a caller sleeps: a sleep ends at once, at the time the sleeping
   * thread last read plus the sleep, and moves the clock there (never back). Every wait the caller
   * makes is recorded, so tests assert exact times with no dependence on the machine's speed.
   */
  static final class VirtualClock implements RetryingCaller.Clock {
    static final long START = 1_000_000 * MS;
    private final AtomicLong now = new AtomicLong(START);
    private final ThreadLocal<Long> lastRead = ThreadLocal.withInitial(() -> START);
    /** The virtual time each sleep ended at, in the order the sleeps were made. */
    final List<Long> wakeUps = Collections.synchronizedList(new ArrayList<>());
    /** Run once, inside the first sleep (before the clock moves): another caller acting meanwhile. */
    volatile Runnable duringFirstSleep;

    @Override
    public long nanoTime() {
      long t = now.get();
      lastRead.set(t);
      return t;
    }

    @Override
    public void sleepNanos(long nanos) {
      long until = lastRead.get() + nanos;
      Runnable meanwhile = duringFirstSleep;
      duringFirstSleep = null;
      if (meanwhile != null) {
        meanwhile.run();
      }
      wakeUps.add(until);
      now.accumulateAndGet(until, Math::max);
      lastRead.set(until);
    }
  }

  /** Answers from a scripted list (the last one repeats), recording concurrency. */
  private static final class ScriptedClient implements LlmClient {
    final List<Object> script;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final List<LlmRequest> requests = Collections.synchronizedList(new ArrayList<>());
    /** The clock's time at the start of each call, in call order (when a clock is given). */
    final List<Long> startedNanos = Collections.synchronizedList(new ArrayList<>());
    final long sleepMs;
    private VirtualClock clock;

    ScriptedClient(long sleepMs, Object... script) {
      this.sleepMs = sleepMs;
      this.script = List.of(script);
    }

    ScriptedClient on(VirtualClock clock) {
      this.clock = clock;
      return this;
    }

    @Override
    public String provider() {
      return "test";
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
      requests.add(request);
      if (clock != null) {
        startedNanos.add(clock.nanoTime());
      }
      int n = calls.getAndIncrement();
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (sleepMs > 0) {
          Thread.sleep(sleepMs);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
      }
      Object next = script.get(Math.min(n, script.size() - 1));
      if (next instanceof LlmException e) {
        throw e;
      }
      return (LlmResponse) next;
    }
  }

  private static final ResponseSchema SUMMARY =
      new ResponseSchema("s", 1, "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"}},"
          + "\"required\":[\"summary\"],\"additionalProperties\":false}");
  private static final LlmRequest SUMMARY_REQUEST =
      new LlmRequest("m", List.of(Message.user("hi")), SUMMARY, new DecodingParams(0, 1, 10, 0));

  private static LlmResponse answer(String content, FinishReason finish, String model) {
    return new LlmResponse(content, model, finish, new Usage(10, 5), 3);
  }

  private static RetryingCaller caller(LlmClient client, int attempts, long maxBackoffMs, boolean strictModel,
      int inFlight, RateLimiter requests, CircuitBreaker breaker) {
    return new RetryingCaller(client, new RetryingCaller.Policy(attempts, 1, maxBackoffMs, strictModel), inFlight,
        requests, new RateLimiter(0), breaker);
  }

  private static CircuitBreaker noBreaker() {
    return new CircuitBreaker("test", Integer.MAX_VALUE, 0);
  }

  @Test
  void retryAfterIsHonouredByEveryCallerOfTheJvm() {
    LlmException limited = new LlmException("http_429", "slow down", LlmException.Kind.TRANSIENT, 400, null);
    VirtualClock clock = new VirtualClock();
    ScriptedClient client = new ScriptedClient(0, limited, OK).on(clock);
    RetryingCaller c = new RetryingCaller(client, new RetryingCaller.Policy(3, 1, 5_000, false), 10,
        new RateLimiter(0, VirtualClock.START), new RateLimiter(0, VirtualClock.START), noBreaker(), clock);
    // While the first caller waits out its 429, another caller of the same JVM (which never got a
    // 429 itself) calls: it must wait out the same pause, because the limit is shared.
    List<CallOutcome> other = new ArrayList<>();
    clock.duringFirstSleep = () -> other.add(c.call(REQUEST));

    CallOutcome o = c.call(REQUEST);

    assertThat(client.calls).hasValue(3);
    long limitedAt = client.startedNanos.get(0);
    assertThat(client.startedNanos.get(1) - limitedAt).as("the other caller's request, after the 429").isEqualTo(400 * MS);
    assertThat(client.startedNanos.get(2) - limitedAt).as("the retry, after the 429").isEqualTo(400 * MS);
    assertThat(other).singleElement().satisfies(x -> {
      assertThat(x.ok()).isTrue();
      assertThat(x.attempts()).isEqualTo(1);
    });
    assertThat(o.ok()).isTrue();
    assertThat(o.attempts()).isEqualTo(2);
    assertThat(o.latencyMillis()).as("waiting out the server's Retry-After is not latency").isZero();
  }

  @Test
  void aRetryAfterLongerThanTheMaximumBackoffEndsTheCallAsRetryable() {
    LlmException limited = new LlmException("http_429", "come back tomorrow", LlmException.Kind.TRANSIENT, 86_400_000, null);
    ScriptedClient client = new ScriptedClient(0, limited, OK);
    CallOutcome o = caller(client, 5, 1_000, false, 10, new RateLimiter(0), noBreaker()).call(REQUEST);
    assertThat(o.ok()).isFalse();
    assertThat(o.errorStatus()).isEqualTo("retryable_error");
    assertThat(client.calls).hasValue(1);
  }

  @Test
  void theBreakerOpensAfterConsecutiveFailuresAndLaterRequestsAreNotSent() {
    LlmException down = new LlmException("http_503", "down", true);
    ScriptedClient client = new ScriptedClient(0, down);
    CircuitBreaker breaker = new CircuitBreaker("test", 4, 60_000);
    RetryingCaller c = caller(client, 2, 1, false, 10, new RateLimiter(0), breaker);
    CallOutcome first = c.call(REQUEST);
    CallOutcome second = c.call(REQUEST);
    assertThat(client.calls).hasValue(4);
    assertThat(breaker.isOpen()).isTrue();
    assertThat(first.error().errorClass()).isEqualTo("http_503");
    assertThat(second.error().errorClass()).isEqualTo("http_503");
    for (int i = 0; i < 5; i++) {
      CallOutcome o = c.call(REQUEST);
      assertThat(o.error().errorClass()).isEqualTo("circuit_open");
      assertThat(o.errorStatus()).isEqualTo("retryable_error");
      assertThat(o.attempts()).isZero();
    }
    assertThat(client.calls).hasValue(4);
  }

  @Test
  void requestErrorsDoNotTripTheBreaker() {
    ScriptedClient client = new ScriptedClient(0, new LlmException("context_length", "too long", false));
    CircuitBreaker breaker = new CircuitBreaker("test", 2, 60_000);
    RetryingCaller c = caller(client, 3, 1, false, 10, new RateLimiter(0), breaker);
    for (int i = 0; i < 5; i++) {
      assertThat(c.call(REQUEST).errorStatus()).isEqualTo("failed");
    }
    assertThat(breaker.isOpen()).isFalse();
    assertThat(client.calls).hasValue(5);
  }

  @Test
  void contentFilterAndTruncationAreFailuresThatKeepTheResponse() {
    LlmResponse filtered = answer("", FinishReason.CONTENT_FILTER, "m");
    CallOutcome o = new RetryingCaller(new ScriptedClient(0, filtered), 3, 1).call(SUMMARY_REQUEST);
    assertThat(o.errorStatus()).isEqualTo("failed");
    assertThat(o.error().errorClass()).isEqualTo("content_filter");
    assertThat(o.response()).isSameAs(filtered);
    assertThat(o.attempts()).isEqualTo(1);

    LlmResponse cut = answer("{\"summary\": \"abc", FinishReason.LENGTH, "m");
    CallOutcome t = new RetryingCaller(new ScriptedClient(0, cut), 3, 1).call(SUMMARY_REQUEST);
    assertThat(t.error().errorClass()).isEqualTo("output_truncated");
    assertThat(t.errorStatus()).isEqualTo("failed");
  }

  @Test
  void anotherModelIsAcceptedUnlessPinningIsStrict() {
    LlmResponse other = answer("{\"summary\":\"a\"}", FinishReason.STOP, "m-other");
    CallOutcome lenient = caller(new ScriptedClient(0, other), 3, 1, false, 10, new RateLimiter(0), noBreaker()).call(SUMMARY_REQUEST);
    assertThat(lenient.ok()).isTrue();
    assertThat(lenient.response().reportedModel()).isEqualTo("m-other");

    CallOutcome strict = caller(new ScriptedClient(0, other), 3, 1, true, 10, new RateLimiter(0), noBreaker()).call(SUMMARY_REQUEST);
    assertThat(strict.ok()).isFalse();
    assertThat(strict.error().errorClass()).isEqualTo("model_mismatch");
    assertThat(strict.errorStatus()).isEqualTo("retryable_error");
    assertThat(strict.response().reportedModel()).isEqualTo("m-other");
  }

  @Test
  void strictPinningMismatchesCountAsProviderFailuresForTheBreaker() {
    LlmResponse other = answer("{\"summary\":\"a\"}", FinishReason.STOP, "m-other");
    ScriptedClient client = new ScriptedClient(0, other);
    RetryingCaller c = caller(client, 3, 1, true, 10, new RateLimiter(0), new CircuitBreaker("t", 2, 60_000));
    assertThat(c.call(SUMMARY_REQUEST).error().errorClass()).isEqualTo("model_mismatch");
    assertThat(c.call(SUMMARY_REQUEST).error().errorClass()).isEqualTo("model_mismatch");
    assertThat(c.call(SUMMARY_REQUEST).error().errorClass()).isEqualTo("circuit_open");
    assertThat(client.calls).hasValue(2);
  }

  @Test
  void anAnswerThatBreaksTheSchemaIsRepairedOnceWithTheTokensOfBoth() {
    ScriptedClient client = new ScriptedClient(0, answer("Sorry, here: {summary: a}", FinishReason.STOP, "m"),
        answer("{\"summary\": \"fixed\"}", FinishReason.STOP, "m"));
    CallOutcome o = new RetryingCaller(client, 3, 1).call(SUMMARY_REQUEST);
    assertThat(o.ok()).isTrue();
    assertThat(o.response().content()).isEqualTo("{\"summary\":\"fixed\"}");
    assertThat(o.attempts()).isEqualTo(2);
    assertThat(o.response().usage()).isEqualTo(new Usage(20, 10));
    LlmRequest repair = client.requests.get(1);
    assertThat(repair.messages()).hasSize(3);
    assertThat(repair.messages().get(1).content()).isEqualTo("Sorry, here: {summary: a}");
  }

  @Test
  void aSecondBadAnswerFailsAsInvalidOutputWithoutAThirdCall() {
    ScriptedClient client = new ScriptedClient(0, answer("{\"summary\": 1}", FinishReason.STOP, "m"));
    CallOutcome o = new RetryingCaller(client, 3, 1).call(SUMMARY_REQUEST);
    assertThat(o.ok()).isFalse();
    assertThat(o.error().errorClass()).isEqualTo("invalid_output");
    assertThat(o.errorStatus()).isEqualTo("failed");
    assertThat(o.error().getMessage()).contains("$.summary must be string");
    assertThat(client.calls).hasValue(2);
  }

  @Test
  void callsInFlightNeverExceedTheBoundAcrossThreads() throws Exception {
    ScriptedClient client = new ScriptedClient(30, OK);
    RetryingCaller c = caller(client, 1, 1, false, 3, new RateLimiter(0), noBreaker());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
    List<java.util.concurrent.Future<CallOutcome>> fs = new java.util.ArrayList<>();
    for (int i = 0; i < 36; i++) {
      fs.add(pool.submit(() -> c.call(REQUEST)));
    }
    for (var f : fs) {
      assertThat(f.get().ok()).isTrue();
    }
    pool.shutdown();
    assertThat(client.maxInFlight.get()).isEqualTo(3);
  }

  @Test
  void theRateLimitPacesRequestsAcrossThreads() throws Exception {
    VirtualClock clock = new VirtualClock();
    ScriptedClient client = new ScriptedClient(0, OK).on(clock);
    RetryingCaller c = new RetryingCaller(client, new RetryingCaller.Policy(1, 1, 1, false), 50,
        new RateLimiter(1200, VirtualClock.START), new RateLimiter(0, VirtualClock.START), noBreaker(), clock); // 20/s
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<CallOutcome>> fs = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      fs.add(pool.submit(() -> c.call(REQUEST)));
    }
    for (var f : fs) {
      assertThat(f.get().ok()).isTrue();
    }
    pool.shutdown();
    // The first request goes at once; each other one waits for its own slot, 50 ms after the one
    // before, whichever thread it ran on: 21 requests take exactly one second.
    List<Long> expected = new ArrayList<>();
    for (int k = 1; k <= 20; k++) {
      expected.add(VirtualClock.START + k * 50 * MS);
    }
    assertThat(clock.wakeUps.stream().sorted().toList()).isEqualTo(expected);
    assertThat(clock.nanoTime() - VirtualClock.START).isEqualTo(1000 * MS);
    assertThat(client.calls).hasValue(21);
  }

  @Test
  void theTokenLimitPacesByEstimateAndSettlesWithTheReportedUsage() {
    // 100 tokens a second; each request books 1 + 45 = 46 tokens and reports 10 + 5 = 15.
    LlmRequest request = new LlmRequest("m", List.of(Message.user("hi")), null, new DecodingParams(0, 1, 45, 0));
    assertThat(RetryingCaller.estimateTokens(request)).isEqualTo(46.0);
    VirtualClock clock = new VirtualClock();
    RateLimiter tokens = new RateLimiter(6000, VirtualClock.START);
    RetryingCaller c = new RetryingCaller(new ScriptedClient(0, answer("x", FinishReason.STOP, "m")),
        new RetryingCaller.Policy(1, 1, 1000, false), 10, new RateLimiter(0, VirtualClock.START), tokens, noBreaker(), clock);
    for (int i = 0; i < 6; i++) {
      assertThat(c.call(request).ok()).isTrue();
    }
    // Each call waits for the 15 tokens its predecessor really used (150 ms), not the 46 it booked
    // (460 ms), and not for nothing (no token limit).
    assertThat(clock.wakeUps).containsExactly(VirtualClock.START + 150 * MS, VirtualClock.START + 300 * MS,
        VirtualClock.START + 450 * MS, VirtualClock.START + 600 * MS, VirtualClock.START + 750 * MS);
    assertThat(tokens.reserve(1, clock.nanoTime())).as("the last call's 15 tokens, still to pass").isEqualTo(150 * MS);
  }
}
