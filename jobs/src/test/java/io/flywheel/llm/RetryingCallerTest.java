package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryingCallerTest {
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
}
