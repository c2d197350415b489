package io.flywheel.bench;

import static org.apache.spark.sql.functions.col;

import io.flywheel.Main;
import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.summarize.CatalogPrep;
import io.flywheel.run.SparkSessions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the summarize job (run it with {@code bench/summarize [items]}): generates a catalog,
 * measures a plain scan + content-hash baseline, then the first run, a no-op rerun and a rerun after
 * mutating 1% of items, all in one JVM, and prints each beside the baseline.
 */
public final class SummarizeBench {
  private SummarizeBench() {}

  public static void main(String[] args) {
    long items = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    Path dir = Path.of(args.length > 1 ? args[1] : "target/bench-summarize").toAbsolutePath();
    List<String> sets = List.of(
        "warehouse.root=" + dir.resolve("warehouse"),
        "catalog.path=" + dir.resolve("catalog"),
        "summarize.batch_size=" + Math.max(2000, items / 20));
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-summarize");
    List<String[]> rows = new ArrayList<>();

    // "rerun-only" measures the baseline and a no-op rerun on the warehouse a full run left behind.
    boolean rerunOnly = args.length > 2 && args[2].equals("rerun-only");
    long t = System.nanoTime();
    if (!rerunOnly) {
      job("generate", sets, "--items", Long.toString(items), "--seed", "42");
      rows.add(row("generate " + items + " items", seconds(t), "-", "-"));
    }

    double baseline = baseline(spark, sets);
    rows.add(row("baseline: scan + content hash", baseline, "-", "1.00x"));

    String[][] steps = rerunOnly
        ? new String[][] {{"no-op rerun", "0"}}
        : new String[][] {{"first run", "0"}, {"no-op rerun", "0"}, {"rerun after 1% mutated", "0.01"}};
    for (String[] step : steps) {
      if (!step[1].equals("0")) {
        job("generate", sets, "--items", Long.toString(items), "--seed", "42", "--mutate", step[1], "--mutate-seed", "9");
      }
      t = System.nanoTime();
      job("summarize", sets, "--run-date", "2026-11-28");
      double s = seconds(t);
      Row last = spark.read().format("delta").load(dir.resolve("warehouse/runs").toString())
          .orderBy(col("started_at").desc()).first();
      Map<String, Long> counts = last.getJavaMap(last.fieldIndex("counts"));
      String expected = "";
      if (!step[1].equals("0")) {
        CatalogGenerator gen = new CatalogGenerator(42, Double.parseDouble(step[1]), 9);
        expected = " (changed: " + java.util.stream.LongStream.range(0, items).filter(gen::isMutated).count() + ")";
      }
      rows.add(row(step[0] + expected, s, String.valueOf(counts.getOrDefault("calls", 0L)),
          String.format(Locale.ROOT, "%.2fx", s / baseline)));
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%-44s %10s %10s %12s%n", "step (" + items + " items)", "wall s", "calls", "vs baseline");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "%-44s %10s %10s %12s%n", (Object[]) r);
    }
    spark.stop();
  }

  /** Reads the catalog and computes every row's content hash, as the job does, writing nothing. */
  static double baseline(SparkSession spark, List<String> sets) {
    FlywheelConfig cfg = ConfigLoader.load(null, Map.of(), sets).config();
    FlywheelConfig.Summarize s = cfg.summarize();
    long t = System.nanoTime();
    Dataset<Row> raw = spark.read().format("delta").load(cfg.catalog().path());
    CatalogPrep.withValidation(raw, cfg.catalog().columns(), s.maxItemChars())
        .transform(df -> CatalogPrep.withContentHash(df, cfg.catalog().columns().text()))
        .select(CatalogPrep.CONTENT_HASH).write().format("noop").mode("overwrite").save();
    return seconds(t);
  }

  /** Runs one Flywheel job in this JVM with {@code --set} overrides; fails on a non-zero exit code. */
  static void job(String job, List<String> sets, String... args) {
    List<String> a = new ArrayList<>(List.of(job));
    a.addAll(List.of(args));
    for (String s : sets) {
      a.add("--set");
      a.add(s);
    }
    int code = Main.run(a.toArray(String[]::new));
    if (code != 0) {
      throw new IllegalStateException(job + " exited with " + code);
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static String[] row(String step, double s, String calls, String ratio) {
    return new String[] {step, String.format(Locale.ROOT, "%.1f", s), calls, ratio};
  }
}
