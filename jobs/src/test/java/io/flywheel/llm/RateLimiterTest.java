package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void spacesPermitsEvenlyWithoutABurst() {
    RateLimiter l = new RateLimiter(600); // 10 per second
    long now = System.nanoTime();
    assertThat(l.reserve(1, now)).isZero();
    assertThat(l.reserve(1, now)).isEqualTo(SECOND / 10);
    assertThat(l.reserve(1, now)).isEqualTo(2 * SECOND / 10);
  }

  @Test
  void idleTimeIsNotSavedUp() {
    RateLimiter l = new RateLimiter(600);
    long now = System.nanoTime();
    l.reserve(1, now);
    long later = now + 10 * SECOND;
    assertThat(l.reserve(1, later)).isZero();
    assertThat(l.reserve(1, later)).as("a long idle period gives no burst").isEqualTo(SECOND / 10);
  }

  @Test
  void largeBookingsPushTheNextOneAndAdjustmentsGiveBack() {
    RateLimiter tokens = new RateLimiter(60_000); // 1000 tokens per second
    long now = System.nanoTime();
    assertThat(tokens.reserve(500, now)).isZero();
    assertThat(tokens.reserve(1, now)).isEqualTo(SECOND / 2);
    tokens.adjust(-300); // the first call used 200 tokens, not 500
    assertThat(tokens.reserve(1, now)).isEqualTo(SECOND / 2 + SECOND / 1000 - 3 * SECOND / 10);
  }

  @Test
  void aPauseHoldsEveryoneEvenWithoutALimit() {
    RateLimiter unlimited = new RateLimiter(0);
    long now = System.nanoTime();
    assertThat(unlimited.reserve(1, now)).isZero();
    unlimited.pauseUntil(now + 2 * SECOND);
    assertThat(unlimited.reserve(1, now)).isEqualTo(2 * SECOND);
    assertThat(unlimited.reserve(1, now)).as("no limit: all go right after the pause").isEqualTo(2 * SECOND);
    unlimited.pauseUntil(now + SECOND);
    assertThat(unlimited.reserve(1, now)).as("a shorter pause does not shorten a longer one").isEqualTo(2 * SECOND);
  }

  @Test
  void aPausedLimiterSpacesTheQueueAfterThePause() {
    RateLimiter l = new RateLimiter(600);
    long now = System.nanoTime();
    l.pauseUntil(now + SECOND);
    assertThat(l.reserve(1, now)).isEqualTo(SECOND);
    assertThat(l.reserve(1, now)).isEqualTo(SECOND + SECOND / 10);
  }
}
