package io.flywheel.run;

import io.flywheel.table.Table;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;

/**
 * Writes the {@code runs} row of a job: {@code running} when it starts, then its final status and
 * counts. A run killed mid-way stays {@code running}, which is the truth.
 */
public final class RunLog {
  private final RunContext ctx;
  private final Map<String, Long> counts = new LinkedHashMap<>();
  private long inputTokens;
  private long outputTokens;
  private double costUsd;
  private String status = "running";

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

  /** {@code running} until {@link #finished} (or {@link #ended} for runs that write nothing). */
  public String status() {
    return status;
  }

  /**
   * Ends the run with {@code finalStatus}: replaces the {@code runs} row (timed as {@code ms_finish}),
   * or, for a dry run, which writes nothing, only records the status.
   */
  public void end(String finalStatus, String message) {
    if (ctx.dryRun()) {
      status = finalStatus;
      return;
    }
    long t = System.nanoTime();
    finished(finalStatus, message);
    timed("finish", t);
  }

  /** Ends the run as {@code failed} because of {@code e} (the caller rethrows it). */
  public void failed(RuntimeException e) {
    end("failed", e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
  }

  /** Appends the {@code running} row. */
  public void started() {
    ctx.warehouse().ensure(Table.RUNS);
    row("running", null, null).write().format("delta").mode("append").save(ctx.warehouse().path(Table.RUNS));
  }

  /** Replaces this run's row with its final status. */
  public void finished(String finalStatus, String message) {
    status = finalStatus;
    Dataset<Row> row = row(finalStatus, Instant.now(), message);
    ctx.warehouse()
        .ensure(Table.RUNS)
        .as("t")
        .merge(row.as("s"), functions.expr("t.run_id = s.run_id"))
        .whenMatched()
        .updateAll()
        .whenNotMatched()
        .insertAll()
        .execute();
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
            message);
    return ctx.spark().createDataFrame(List.of(r), Table.RUNS.schema());
  }
}
