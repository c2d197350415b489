package io.flywheel.run;

import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.Column;

/**
 * Writes the {@code runs} row of a job: {@code running} when it starts (with a heartbeat while it
 * runs), then its final status and counts. A killed run's row stays {@code running} until its
 * heartbeat goes stale and the next run of the job marks it {@code abandoned}.
 */
public final class RunLog {
  private final RunContext ctx;
  private final Map<String, Long> counts = new LinkedHashMap<>();
  private long inputTokens;
  private long outputTokens;
  private double costUsd;
  private String status = "running";
  private java.util.concurrent.ScheduledExecutorService heartbeat;
  private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(RunLog.class);

  public RunLog(RunContext ctx) {
    this.ctx = ctx;
  }

  public void count(String name, long value) {
    counts.put(name, value);
  }

  public void add(String name, long delta) {
    counts.merge(name, delta, Long::sum);
  }

  public long get(String name) {
    return counts.getOrDefault(name, 0L);
  }

  /** Adds the milliseconds since {@code startNanos} to the count {@code ms_<phase>}. */
  public void timed(String phase, long startNanos) {
    add("ms_" + phase, (System.nanoTime() - startNanos) / 1_000_000);
  }

  public void addUsage(long in, long out, double cost) {
    inputTokens += in;
    outputTokens += out;
    costUsd += cost;
  }

  public Map<String, Long> counts() {
    return counts;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  public double costUsd() {
    return costUsd;
  }

  /** {@code running} until {@link #end}. */
  public String status() {
    return status;
  }

  /**
   * Ends the run with {@code finalStatus}: replaces the {@code runs} row (timed as {@code ms_finish}),
   * or, for a dry run, which writes nothing, only records the status.
   */
  public void end(String finalStatus, String message) {
    stopHeartbeat();
    if (ctx.dryRun()) {
      status = finalStatus;
      return;
    }
    long t = System.nanoTime();
    status = finalStatus;
    upsert(row(finalStatus, Instant.now(), message));
    timed("finish", t);
  }

  /** Ends the run as {@code failed} because of {@code e} (the caller rethrows it). */
  public void failed(Exception e) {
    end("failed", e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
  }

  /**
   * Appends the {@code running} row and starts refreshing its {@code heartbeat_at} every
   * {@code run.heartbeat_seconds} until {@link #end}, so that monitoring (and the next run) can tell
   * a live run from a killed one.
   */
  public void started() {
    ctx.warehouse().ensure(Table.RUNS);
    row("running", null, null).write().format("delta").mode("append").save(ctx.warehouse().path(Table.RUNS));
    int every = ctx.config().run().heartbeatSeconds();
    heartbeat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flywheel-heartbeat");
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleWithFixedDelay(this::beat, every, every, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * Marks this job's {@code running} rows whose heartbeat (or start, for rows without one) is older
   * than {@code run.stale_after_seconds} as {@code abandoned}: their process was killed or lost.
   * Returns how many rows it marked.
   */
  public long abandonStale() {
    Warehouse wh = ctx.warehouse();
    if (!wh.exists(Table.RUNS)) {
      return 0;
    }
    wh.ensure(Table.RUNS);
    Instant now = Instant.now();
    Timestamp cutoff = Timestamp.from(now.minusSeconds(ctx.config().run().staleAfterSeconds()));
    Column stale = col("job").equalTo(lit(ctx.job())).and(col("status").equalTo("running"))
        .and(coalesce(col("heartbeat_at"), col("started_at")).lt(lit(cutoff)));
    long n = wh.read(Table.RUNS).where(stale).count();
    if (n > 0) {
      Map<String, Column> set = new LinkedHashMap<>();
      set.put("status", lit("abandoned"));
      set.put("ended_at", lit(Timestamp.from(now)));
      set.put("message", concat(lit("abandoned: no heartbeat since "),
          coalesce(col("heartbeat_at"), col("started_at")).cast("string"),
          lit("; marked by run " + ctx.runId() + " at " + now)));
      DeltaTable.forPath(ctx.spark(), wh.path(Table.RUNS)).update(stale, set);
      add("runs_marked_abandoned", n);
    }
    return n;
  }

  private synchronized void beat() {
    if (heartbeat == null) {
      return;
    }
    try {
      Map<String, Column> set = new LinkedHashMap<>();
      set.put("heartbeat_at", lit(new Timestamp(System.currentTimeMillis())));
      DeltaTable.forPath(ctx.spark(), ctx.warehouse().path(Table.RUNS))
          .update(col("run_id").equalTo(lit(ctx.runId())).and(col("status").equalTo("running")), set);
    } catch (RuntimeException e) {
      // A missed heartbeat only makes the run look older; the next one catches up.
      LOG.warn("heartbeat of run " + ctx.runId() + " not written: " + e.getMessage());
    }
  }

  private synchronized void stopHeartbeat() {
    if (heartbeat != null) {
      heartbeat.shutdownNow();
      heartbeat = null;
    }
  }

  /**
   * MERGEs this run's row. Another job's run may commit to {@code runs} at the same moment; Delta
   * then refuses one of the two commits, so it is tried again a few times.
   */
  private synchronized void upsert(Dataset<Row> row) {
    for (int attempt = 1; ; attempt++) {
      try {
        ctx.warehouse().ensure(Table.RUNS).as("t")
            .merge(row.as("s"), expr("t.run_id = s.run_id"))
            .whenMatched().updateAll()
            .whenNotMatched().insertAll()
            .execute();
        return;
      } catch (RuntimeException e) {
        if (attempt >= 5 || !e.getClass().getName().contains("Concurrent")) {
          throw e;
        }
        LOG.warn("runs row of " + ctx.runId() + ": concurrent commit, trying again (" + e.getClass().getSimpleName() + ")");
      }
    }
  }

  private Dataset<Row> row(String status, Instant endedAt, String message) {
    Row r =
        RowFactory.create(
            ctx.job(),
            ctx.runId(),
            Date.valueOf(ctx.runDate()),
            ctx.loaded().hash(),
            CodeVersion.get(),
            Timestamp.from(ctx.startedAt()),
            endedAt == null ? null : Timestamp.from(endedAt),
            status,
            scala.jdk.javaapi.CollectionConverters.asScala(new LinkedHashMap<>(counts)),
            inputTokens,
            outputTokens,
            costUsd,
            message,
            // The last sign of life: now for a running row, the end for a final one.
            Timestamp.from(endedAt == null ? Instant.now() : endedAt));
    return ctx.spark().createDataFrame(List.of(r), Table.RUNS.schema());
  }
}
