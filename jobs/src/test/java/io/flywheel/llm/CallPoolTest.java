package io.flywheel.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CallPoolTest {
  @Test
  void resultsComeBackInInputOrderWithAtMostTheConcurrencyInFlight() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    // The first three calls wait for each other: they can only finish if three run at once.
    CountDownLatch three = new CountDownLatch(3);
    List<Integer> work = IntStream.range(0, 12).boxed().toList();
    List<Integer> out = new ArrayList<>();
    CallPool.map(work.iterator(), 3, i -> {
      most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (i < 3) {
          three.countDown();
          assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
        }
        return i * 10;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        inFlight.decrementAndGet();
      }
    }).forEachRemaining(out::add);
    assertThat(out).isEqualTo(work.stream().map(i -> i * 10).toList());
    assertThat(most.get()).isEqualTo(3);
  }

  @Test
  void oneAtATimeRunsInTheCallingThread() throws Exception {
    Thread caller = Thread.currentThread();
    List<Boolean> same = new ArrayList<>();
    CallPool.map(List.of(1, 2).iterator(), 1, i -> same.add(Thread.currentThread() == caller)).forEachRemaining(x -> {});
    assertThat(same).containsExactly(true, true);
  }

  @Test
  void aFailingCallFailsTheTask() {
    assertThatThrownBy(() -> CallPool.map(List.of(1, 2).iterator(), 2, i -> {
      if (i == 2) {
        throw new IllegalStateException("boom");
      }
      return i;
    })).hasRootCauseMessage("boom");
  }
}
