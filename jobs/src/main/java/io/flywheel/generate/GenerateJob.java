package io.flywheel.generate;

import static org.apache.spark.sql.functions.*;

import io.flywheel.run.CliArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes the deterministic sample catalog. Run it with
 * {@code bin/flywheel generate --items 10000 --seed 42 [--mutate 0.01 --mutate-seed 1] [--format delta] [--out PATH]};
 * the default output is {@code catalog.path}, in {@code catalog.format}.
 */
public final class GenerateJob {
  private GenerateJob() {}

  /** Returns the generated catalog for items {@code 0..items-1}. */
  public static Dataset<Row> catalog(SparkSession spark, long items, CatalogGenerator gen) {
    int partitions = (int) Math.max(1, Math.min(200, items / 50_000 + spark.sparkContext().defaultParallelism()));
    return spark.range(0, items, 1, partitions)
        .mapPartitions(
            (MapPartitionsFunction<Long, Row>) ids -> {
              List<Row> out = new ArrayList<>();
              while (ids.hasNext()) {
                out.add(gen.row(ids.next()));
              }
              return out.iterator();
            },
            Encoders.row(CatalogGenerator.SCHEMA));
  }

  /** Returns the generated purchases of users {@code 0..users-1} over items {@code 0..items-1}. */
  public static Dataset<Row> purchases(SparkSession spark, long users, PurchaseGenerator gen) {
    int partitions = (int) Math.max(1, Math.min(200, users / 50_000 + spark.sparkContext().defaultParallelism()));
    return spark.range(0, users, 1, partitions)
        .mapPartitions(
            (MapPartitionsFunction<Long, Row>) ids -> {
              List<Row> out = new ArrayList<>();
              while (ids.hasNext()) {
                out.addAll(gen.rows(ids.next()));
              }
              return out.iterator();
            },
            Encoders.row(PurchaseGenerator.SCHEMA));
  }

  /** Writes purchases when {@code --users N} is given: {@code --purchases-out} or the recommend job's input. */
  public static void runPurchases(SparkSession spark, CliArgs args, String defaultOut) {
    if (args.option("users", null) == null) {
      return;
    }
    long users = Long.parseLong(args.option("users", "0"));
    long items = Long.parseLong(args.option("items", "1000"));
    long seed = Long.parseLong(args.option("seed", "42"));
    String out = args.option("purchases-out", defaultOut);
    long started = System.nanoTime();
    purchases(spark, users, new PurchaseGenerator(seed, items))
        .write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(out);
    System.out.printf(Locale.ROOT, "generate: wrote purchases of %d users (seed %d) to %s in %.1fs%n",
        users, seed, out, (System.nanoTime() - started) / 1e9);
  }

  /** Writes the sample catalog where {@code catalog.*} says (or to {@code --out} as {@code --format}). */
  public static void run(SparkSession spark, CliArgs args, io.flywheel.config.FlywheelConfig.Catalog catalog) {
    String defaultOut = catalog.path();
    long items = Long.parseLong(args.option("items", "1000"));
    long seed = Long.parseLong(args.option("seed", "42"));
    double mutate = Double.parseDouble(args.option("mutate", "0"));
    long mutateSeed = Long.parseLong(args.option("mutate-seed", "1"));
    String format = args.option("format", catalog.format());
    String out = args.option("out", defaultOut);
    CatalogGenerator gen = new CatalogGenerator(seed, mutate, mutateSeed);
    Dataset<Row> df = catalog(spark, items, gen);
    if (format.equals("csv")) {
      df = df.withColumn("reviews", concat_ws(" | ", col("reviews")));
    }
    var writer = df.write().format(format).mode("overwrite");
    if (format.equals("delta")) {
      writer = writer.option("overwriteSchema", "true");
    }
    if (format.equals("csv")) {
      writer = writer.option("header", "true");
    }
    long started = System.nanoTime();
    writer.save(out);
    System.out.printf(Locale.ROOT, "generate: wrote %d catalog rows (seed %d, mutate %.4f) as %s to %s in %.1fs%n",
        items, seed, mutate, format, out, (System.nanoTime() - started) / 1e9);
  }

  /**
   * {@code generate --feedback}: feedback events for the calls in the warehouse's {@code llm_calls}
   * (docs/feedback.md#sample-events), written to {@code --out} or {@code feedback.events_path}, with the
   * planted truth beside them ({@code <path>_planted}).
   */
  public static void runFeedback(SparkSession spark, CliArgs args, io.flywheel.table.Warehouse wh,
      io.flywheel.config.FlywheelConfig.Feedback feedback) {
    if (!wh.exists(io.flywheel.table.Table.LLM_CALLS)) {
      throw new io.flywheel.run.UsageError("generate --feedback: there is no llm_calls table under " + wh.root()
          + " (run generate, summarize and recommend first)");
    }
    long seed = Long.parseLong(args.option("seed", "42"));
    String out = args.option("out", feedback.eventsPath());
    long started = System.nanoTime();
    long n = FeedbackGenerator.write(wh.read(io.flywheel.table.Table.LLM_CALLS), seed, out);
    System.out.printf(Locale.ROOT, "generate: wrote %d feedback events (seed %d) for the calls in llm_calls to %s in %.1fs%n",
        n, seed, out, (System.nanoTime() - started) / 1e9);
  }
}
