package io.flywheel.run;

import java.io.PrintStream;
import java.util.Locale;

/** Prints one progress line per committed batch: done/total, hits, calls, errors, rate and ETA. */
public final class Progress {
  private final String job;
  private final long total;
  private final long cacheHits;
  private final PrintStream out;
  private final String unit;
  private final String hitsLabel;
  private final long startNanos = System.nanoTime();

  public Progress(String job, long total, long cacheHits, PrintStream out) {
    this(job, total, cacheHits, out, "requests", "cache hits");
  }

  /** @param unit what is counted ("requests", "users"); @param hitsLabel what the skipped ones are */
  public Progress(String job, long total, long cacheHits, PrintStream out, String unit, String hitsLabel) {
    this.job = job;
    this.total = total;
    this.cacheHits = cacheHits;
    this.out = out;
    this.unit = unit;
    this.hitsLabel = hitsLabel;
  }

  /** How many units the whole run has to do. */
  public long total() {
    return total;
  }

  public void update(long done, long calls, long errors) {
    out.println(line(done, calls, errors, (System.nanoTime() - startNanos) / 1e9));
  }

  String line(long done, long calls, long errors, double seconds) {
    double rate = seconds > 0 ? done / seconds : 0;
    long eta = rate > 0 ? Math.round((total - done) / rate) : -1;
    return String.format(
        Locale.ROOT,
        "%s: %d/%d %s (%.1f%%) | %s %d | calls %d | errors %d | %.1f %s/s | ETA %s",
        job, done, total, unit, total == 0 ? 100.0 : 100.0 * done / total, hitsLabel, cacheHits, calls, errors, rate,
        unit.equals("requests") ? "req" : unit,
        eta < 0 ? "?" : eta + "s");
  }
}
