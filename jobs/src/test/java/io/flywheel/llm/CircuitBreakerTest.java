package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private static final long MS = 1_000_000L;

  @Test
  void opensAtTheThresholdOfConsecutiveFailuresOnly() {
    CircuitBreaker b = new CircuitBreaker("p", 3, 1000);
    b.failure(0, "x");
    b.failure(0, "x");
    b.success();
    b.failure(0, "x");
    b.failure(0, "x");
    assertThat(b.allow(0)).isTrue();
    b.failure(0, "x");
    assertThat(b.isOpen()).isTrue();
    assertThat(b.allow(1)).isFalse();
  }

  @Test
  void afterTheCooldownOneProbeGoesAndItsSuccessCloses() {
    CircuitBreaker b = new CircuitBreaker("p", 1, 1000);
    b.failure(0, "x");
    assertThat(b.allow(999 * MS)).isFalse();
    assertThat(b.allow(1000 * MS)).isTrue();
    assertThat(b.allow(1000 * MS)).as("only one probe at a time").isFalse();
    b.success();
    assertThat(b.isOpen()).isFalse();
    assertThat(b.allow(1001 * MS)).isTrue();
  }

  @Test
  void aFailedProbeReopensForAnotherCooldown() {
    CircuitBreaker b = new CircuitBreaker("p", 1, 1000);
    b.failure(0, "x");
    assertThat(b.allow(1000 * MS)).isTrue();
    b.failure(1000 * MS, "x");
    assertThat(b.allow(1999 * MS)).isFalse();
    assertThat(b.allow(2000 * MS)).isTrue();
  }
}
