package io.flywheel.job;

import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.util.Locale;

/**
 * Runs any {@link Job} the same way (docs/jobs.md): plan (reads and checks inputs, writes nothing);
 * for a dry run, stop there; otherwise create the job's tables, write the {@code running} row with
 * its heartbeat, mark stale runs of the job abandoned, execute, apply the failure policy, write the
 * one final {@code runs} row, and print the run summary.
 */
public final class JobRunner {
  private JobRunner() {}

  /** Runs {@code job}; returns its log (status and counts), also written to {@code runs} and printed. */
  public static RunLog run(Job job, RunContext ctx) {
    RunLog log = new RunLog(ctx);
    if (!ctx.dryRun()) {
      ctx.warehouse().checkWritable();
    }
    Job.Plan plan;
    try {
      plan = job.plan(ctx, log);
    } catch (ConfigException e) {
      // Bad config or input: nothing was written, and nothing is (exit 2).
      throw e;
    } catch (Exception e) {
      // Exception, not RuntimeException: Spark throws its checked SparkException (a failed task) from
      // Java calls too, and that run must end with its failed row like any other.
      if (!ctx.dryRun()) {
        log.started();
        log.failed(e);
      }
      throw e;
    }
    try (plan) {
      if (ctx.dryRun()) {
        log.end("dry_run", null);
        RunSummary.print(ctx, log, System.out);
        return log;
      }
      long t1 = System.nanoTime();
      for (Table t : job.tables()) {
        ctx.warehouse().ensure(t);
      }
      log.started();
      log.abandonStale();
      log.timed("start", t1);
      try {
        String failure = plan.execute(log, new TableWrites(ctx.warehouse(), job.name(), ctx.runId()));
        String ratioFailure = failureRatio(log, job.settings(ctx.config()));
        String message = ratioFailure != null ? ratioFailure : failure;
        log.end(message == null ? "succeeded" : "failed", message);
      } catch (Exception e) {
        log.failed(e);
        throw e;
      }
      RunSummary.print(ctx, log, System.out);
      return log;
    }
  }

  /**
   * The failure policy every job shares: the run fails when failed + retryable calls exceed
   * {@code <job>.max_failure_ratio} of its calls. Null when it passes.
   */
  static String failureRatio(RunLog log, FlywheelConfig.JobSettings settings) {
    long calls = log.get("calls");
    long bad = log.get("failed") + log.get("retryable_error");
    if (calls == 0 || (double) bad / calls <= settings.maxFailureRatio()) {
      return null;
    }
    return String.format(Locale.ROOT, "%d failed + %d retryable of %d calls exceeds max_failure_ratio %.3f",
        log.get("failed"), log.get("retryable_error"), calls, settings.maxFailureRatio());
  }
}
