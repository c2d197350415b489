package io.flywheel.bench;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.run.SparkSessions;
import io.flywheel.skew.SkewInputs;
import io.flywheel.skew.SkewJob;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the skew job's structural part (run it with {@code bench/skew [PROD_ROWS] [DEV_ROWS]}):
 * writes the drifted pair at that size, then in one JVM times a plain scan of the same rows (read
 * both sides as the job does, count them and sum the text lengths; run twice, the second is the
 * baseline) and the features + distances step on them, and prints both with their ratio (goal: at
 * most 4x).
 */
public final class SkewBench {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);

  private SkewBench() {}

  public static void main(String[] args) {
    long prodRows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    long devRows = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
    Path dir = Path.of(args.length > 2 ? args[2] : "target/bench-skew").toAbsolutePath();
    Path prompts = Path.of(args.length > 3 ? args[3] : "conf/prompts");
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-skew");
    FlywheelConfig.Skew cfg = ConfigLoader.load(null, Map.of(), List.of(
        "warehouse.root=" + dir.resolve("warehouse"),
        "skew.dev.path=" + dir.resolve("dev"),
        "skew.prod.path=" + dir.resolve("prod_llm_calls"))).config().skew();

    long t = System.nanoTime();
    SkewGenerator gen = new SkewGenerator(42, PromptCatalog.load(prompts).get(SkewGenerator.PROMPT_ID));
    gen.devSet(spark, SkewGenerator.Side.DEV, devRows, SkewGenerator.BASE)
        .write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(dir.resolve("dev").toString());
    gen.callLog(spark, SkewGenerator.Side.PROD, prodRows, SkewGenerator.DRIFTED, DAY)
        .write().format("delta").mode("overwrite").option("overwriteSchema", "true")
        .partitionBy(Table.LLM_CALLS.partitionBy().toArray(String[]::new)).save(dir.resolve("prod_llm_calls").toString());
    double generate = seconds(t);

    Warehouse wh = new Warehouse(spark, dir.resolve("warehouse").toString(), "");
    Dataset<Row> sides = SkewInputs.union(SkewInputs.dev(spark, cfg.dev()), SkewInputs.prod(spark, wh, cfg.prod(), DAY));

    // The same scan twice: the first also warms up the readers and the JIT; the ratio uses the second.
    t = System.nanoTime();
    sides.agg(count(lit(1)), sum(length(col(SkewInputs.INPUT))), sum(length(col(SkewInputs.OUTPUT)))).first();
    double cold = seconds(t);
    t = System.nanoTime();
    Row scan = sides.agg(count(lit(1)), sum(length(col(SkewInputs.INPUT))), sum(length(col(SkewInputs.OUTPUT)))).first();
    double baseline = seconds(t);

    t = System.nanoTime();
    SkewJob.Drifts drifts = SkewJob.drifts(sides, true);
    double structural = seconds(t);

    System.out.println();
    System.out.printf(Locale.ROOT, "skew bench: %d prod + %d dev rows (%d read, %d input chars), %d numeric + %d categorical"
            + " feature comparisons%n", prodRows, devRows, scan.getLong(0), scan.isNullAt(1) ? 0 : scan.getLong(1),
        drifts.numeric().size(), drifts.categorical().size());
    System.out.printf(Locale.ROOT, "%-52s %10s %12s%n", "step", "wall s", "vs baseline");
    System.out.printf(Locale.ROOT, "%-52s %10.1f %12s%n", "generate the drifted pair", generate, "-");
    System.out.printf(Locale.ROOT, "%-52s %10.1f %12s%n", "plain scan, first (cold)", cold, "-");
    System.out.printf(Locale.ROOT, "%-52s %10.1f %12s%n", "baseline: read both sides, count, sum lengths", baseline, "1.00x");
    System.out.printf(Locale.ROOT, "%-52s %10.1f %11.2fx%n", "features + distances (SkewJob.drifts)", structural,
        structural / baseline);
    System.out.printf(Locale.ROOT, "goal: at most 4x the baseline: %s%n", structural / baseline <= 4 ? "met" : "NOT met");
    spark.stop();
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
