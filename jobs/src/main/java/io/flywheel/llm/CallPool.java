package io.flywheel.llm;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Runs a Spark task's model calls with at most {@code concurrency} in flight, results in input order. */
public final class CallPool {
  private CallPool() {}

  public static <T, R> Iterator<R> map(Iterator<T> work, int concurrency, Function<T, R> call) throws Exception {
    List<R> out = new ArrayList<>();
    if (concurrency <= 1) {
      while (work.hasNext()) {
        out.add(call.apply(work.next()));
      }
      return out.iterator();
    }
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<R>> pending = new ArrayList<>();
      while (work.hasNext()) {
        T w = work.next();
        pending.add(pool.submit(() -> call.apply(w)));
      }
      for (Future<R> f : pending) {
        out.add(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    return out.iterator();
  }
}
