package io.flywheel.job;

import static org.apache.spark.sql.functions.col;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.BudgetShares;
import io.flywheel.llm.CallBudget;
import io.flywheel.llm.Costs;
import io.flywheel.llm.LlmRequest;
import io.flywheel.run.BatchPartitions;
import io.flywheel.run.Progress;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The batch loop every job that calls a model shares (docs/jobs.md#call-batches): the work is
 * shuffled once into {@code batches × partitions} partitions; each batch computes a slice of them
 * on the executors (the model calls happen there, within the batch's share of {@code llm.budget}),
 * is checkpointed so that writing never recomputes (never re-calls), and is committed by the job
 * with transaction ids. A crash loses at most the batch in flight; one progress line per batch.
 */
public final class CallBatches {
  private CallBatches() {}

  /** The executor side of a job's calls. */
  public interface Calls extends Serializable {
    /** Calls the model for a partition of work rows, within {@code budget}; one result row per work row. */
    Iterator<Row> callPartition(Iterator<Row> work, CallBudget budget) throws Exception;

    /** One row per partition: (calls it may make: long, their worst-case cost: double). */
    Iterator<Row> partitionEstimates(Iterator<Row> work);

    /** The schema of {@link #callPartition}'s rows. */
    StructType resultSchema();
  }

  /**
   * {@link Calls} that send one request per work row (summarize, the skew job's reruns, the judge):
   * the partition function (at most {@code llm.max_concurrency} calls in flight per executor JVM, the
   * caller shared by the JVM's tasks, each call within the batch's budget) and the estimates are the
   * same for all of them; a subclass says what it asks ({@link #request}) and what one call becomes
   * ({@link #callOne}).
   */
  public abstract static class OneRequestCalls implements Calls {
    protected final FlywheelConfig.Llm llm;
    private final int executors;
    private final String runId;

    /**
     * @param executors how many executor JVMs share the job's rate limit
     * @param runId the run whose calls these are (each run starts with a fresh circuit breaker)
     */
    protected OneRequestCalls(FlywheelConfig.Llm llm, int executors, String runId) {
      this.llm = llm;
      this.executors = executors;
      this.runId = runId;
    }

    /** The request a work row sends. */
    protected abstract LlmRequest request(Row work);

    /** Sends one work row's request through {@code caller} within {@code budget}; its result row. */
    protected abstract Row callOne(io.flywheel.llm.RetryingCaller caller, Row work, CallBudget budget);

    @Override
    public final Iterator<Row> callPartition(Iterator<Row> work, CallBudget budget) throws Exception {
      io.flywheel.llm.RetryingCaller caller = io.flywheel.llm.LlmClients.caller(llm, executors, runId);
      CallBudget spend = budget.copy();
      return io.flywheel.llm.CallPool.map(work, llm.maxConcurrency(), w -> callOne(caller, w, spend));
    }

    @Override
    public final Iterator<Row> partitionEstimates(Iterator<Row> work) {
      return oneRequestEach(work, llm, this::request);
    }
  }

  /**
   * {@link Calls#partitionEstimates} for calls that send one request per work row: the row count and
   * the sum of each request's worst-case cost ({@code Costs.worstCaseUsd}).
   */
  public static Iterator<Row> oneRequestEach(Iterator<Row> work, FlywheelConfig.Llm llm,
      Function<Row, LlmRequest> request) {
    long n = 0;
    double cost = 0;
    while (work.hasNext()) {
      n++;
      cost += Costs.worstCaseUsd(llm, request.apply(work.next()));
    }
    return List.of(RowFactory.create(n, cost)).iterator();
  }

  /** The driver side: commits one checkpointed batch of results; returns how many work rows it completed. */
  @FunctionalInterface
  public interface Commit {
    long commit(int batch, Dataset<Row> results);
  }

  /**
   * How the work is cut: {@code batchSize} work rows per committed batch, {@code callPartitions}
   * tasks per batch (0: Spark's default parallelism), work rows spread by {@code key}.
   */
  public record Spec(int batchSize, int callPartitions, String key, Progress progress) {}

  /** Runs every batch of {@code work} (rows of {@code progress.total()} units) through {@code calls} and {@code commit}. */
  public static void run(RunContext ctx, RunLog log, Dataset<Row> work, Spec spec, Calls calls, Commit commit) {
    FlywheelConfig.Llm llm = ctx.config().llm();
    int parallel = Math.max(1, spec.callPartitions() > 0 ? spec.callPartitions() : ctx.spark().sparkContext().defaultParallelism());
    long total = spec.progress().total();
    int batches = (int) Math.max(1, (total + spec.batchSize() - 1) / spec.batchSize());
    // One shuffle for every batch (and the budget's estimates): each batch computes a slice of it.
    JavaRDD<Row> shuffled = work.repartition(batches * parallel, col(spec.key())).javaRDD();
    boolean hasBudget = llm.budget().maxCalls() > 0 || llm.budget().maxCostUsd() > 0;
    List<Row> estimates = hasBudget ? shuffled.mapPartitions(calls::partitionEstimates).collect() : null;
    long done = 0;
    for (int b = 0; b < batches; b++) {
      CallBudget[] shares =
          BudgetShares.of(llm.budget(), estimates, b * parallel, parallel, log.get("calls_sent"), log.costUsd());
      JavaRDD<Row> results = BatchPartitions.of(shuffled.rdd(), b * parallel, parallel).toJavaRDD()
          .mapPartitionsWithIndex((i, it) -> calls.callPartition(it, shares[i]), false);
      // Computed once and checkpointed: the writes below never recompute, hence never re-call the model.
      Dataset<Row> batch = ctx.spark().createDataFrame(results, calls.resultSchema()).localCheckpoint(true);
      done += commit.commit(b, batch);
      spec.progress().update(done, log.get("calls"), log.get("failed") + log.get("retryable_error"));
      batch.unpersist();
    }
  }
}
