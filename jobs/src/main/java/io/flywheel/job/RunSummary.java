package io.flywheel.job;

import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The run summary every job prints at its end, in one format: its counts (in the order the job
 * counted them), tokens, estimated cost, time by phase, and where the full log is.
 */
public final class RunSummary {
  private RunSummary() {}

  public static void print(RunContext ctx, RunLog log, PrintStream out) {
    out.print(format(ctx, log, Duration.between(ctx.startedAt(), Instant.now()).toSeconds(), System.getProperty("flywheel.log.file")));
  }

  static String format(RunContext ctx, RunLog log, long seconds, String logFile) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n== %s %s (run %s, run date %s) in %ds ==%n",
        ctx.job(), log.status(), ctx.runId(), ctx.runDate(), seconds));
    StringBuilder phases = new StringBuilder();
    for (Map.Entry<String, Long> e : log.counts().entrySet()) {
      String k = e.getKey();
      if (k.startsWith("ms_")) {
        phases.append(String.format(Locale.ROOT, " %s %.1fs", k.substring(3), e.getValue() / 1000.0));
      } else {
        sb.append(String.format(Locale.ROOT, "  %-32s %d%n", k, e.getValue()));
      }
    }
    sb.append(String.format(Locale.ROOT, "  %-32s %d in / %d out%n", "tokens", log.inputTokens(), log.outputTokens()));
    sb.append(String.format(Locale.ROOT, "  %-32s $%.4f%n", "estimated cost", log.costUsd()));
    sb.append(String.format(Locale.ROOT, "  %-32s%s%n", "time by phase", phases));
    if (logFile != null && !logFile.isBlank()) {
      sb.append(String.format(Locale.ROOT, "  %-32s %s%n", "log file", logFile));
    }
    return sb.toString();
  }
}
