package io.flywheel.bench;

import static org.apache.spark.sql.functions.col;

import io.flywheel.run.SparkSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the recommendations job (run it with {@code bench/recommend [users] [items]}): generates
 * a catalog and purchase histories, then runs two consecutive days with shuffling, avoidance and MMR
 * on, the same two days with them off (the baseline, in its own warehouse, sharing the cached item
 * embeddings), with them on but profile retrieval, and with them on but no per-list category cap, a
 * rerun of the second day, and exact against indexed candidate retrieval on the real embeddings, and
 * prints wall time, calls and every metric side by side.
 */
public final class RecommendBench {
  private static final String DAY1 = "2026-11-27";
  private static final String DAY2 = "2026-11-28";

  private RecommendBench() {}

  public static void main(String[] args) {
    long users = args.length > 0 ? Long.parseLong(args[0]) : 100_000;
    long items = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
    Path dir = Path.of(args.length > 2 ? args[2] : "target/bench-recommend").toAbsolutePath();
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-recommend");
    List<String> common = List.of(
        "catalog.path=" + dir.resolve("catalog"),
        "recommend.purchases_path=" + dir.resolve("purchases"));
    long t = System.nanoTime();
    SummarizeBench.job("generate", with(common, "warehouse.root=" + dir.resolve("on")),
        "--items", Long.toString(items), "--users", Long.toString(users), "--seed", "42");
    double generate = seconds(t);

    Map<String, Map<String, String>> columns = new LinkedHashMap<>();
    List<String> on = with(common, "warehouse.root=" + dir.resolve("on"));
    List<String> off = with(common, "warehouse.root=" + dir.resolve("off"), "recommend.shuffle=false",
        "recommend.avoid_recent=false", "recommend.mmr=false", "recommend.max_attempts=1",
        "recommend.retrieval=profile", "recommend.max_per_category=0");
    // The features on, but candidates from the history's mean as in "off": how much of the difference
    // retrieval around the shuffled history makes, and how much shuffling, avoidance and MMR make.
    List<String> onProfile = with(common, "warehouse.root=" + dir.resolve("on-profile"), "recommend.retrieval=profile");
    // The features on without the per-list category cap: what the cap changes (category metrics, coverage, calls).
    List<String> onNoCap = with(common, "warehouse.root=" + dir.resolve("on-nocap"), "recommend.max_per_category=0");
    for (String day : List.of(DAY1, DAY2)) {
      columns.put("on " + day, runDay(spark, dir.resolve("on"), on, day));
      if (day.equals(DAY1)) {
        copyEmbeddings(dir.resolve("on"), dir.resolve("off"));
        copyEmbeddings(dir.resolve("on"), dir.resolve("on-profile"));
        copyEmbeddings(dir.resolve("on"), dir.resolve("on-nocap"));
      }
      columns.put("off " + day, runDay(spark, dir.resolve("off"), off, day));
      columns.put("on-profile " + day, runDay(spark, dir.resolve("on-profile"), onProfile, day));
      columns.put("on-nocap " + day, runDay(spark, dir.resolve("on-nocap"), onNoCap, day));
    }
    // The same date again: every user is already done, so no model call is made.
    columns.put("on " + DAY2 + " rerun", runDay(spark, dir.resolve("on"), on, DAY2));
    String retrieval = RetrievalRecall.measure(spark, dir.resolve("on").resolve("item_embeddings"), 500);
    System.out.println();
    System.out.printf(Locale.ROOT, "recommend bench: %d users, %d catalog items, local provider (generate %.1fs)%n",
        users, items, generate);
    System.out.printf(Locale.ROOT, "%-26s", "figure");
    columns.keySet().forEach(k -> System.out.printf(Locale.ROOT, " %19s", k));
    System.out.println();
    List<String> names = new ArrayList<>(columns.values().iterator().next().keySet());
    for (String n : names) {
      System.out.printf(Locale.ROOT, "%-26s", n);
      for (Map<String, String> c : columns.values()) {
        System.out.printf(Locale.ROOT, " %19s", c.getOrDefault(n, "-"));
      }
      System.out.println();
    }
    System.out.println(retrieval);
    spark.stop();
  }

  private static Map<String, String> runDay(SparkSession spark, Path warehouse, List<String> sets, String day) {
    long t = System.nanoTime();
    SummarizeBench.job("recommend", sets, "--run-date", day);
    Map<String, String> out = new LinkedHashMap<>();
    out.put("wall_s", String.format(Locale.ROOT, "%.1f", seconds(t)));
    Row last = spark.read().format("delta").load(warehouse.resolve("runs").toString())
        .orderBy(col("started_at").desc()).first();
    Map<String, Long> counts = last.getJavaMap(last.fieldIndex("counts"));
    for (String k : List.of("users", "users_done_before", "calls", "recommended_slots", "embeddings_computed", "index_cells", "ms_embed_catalog",
        "ms_build_index", "ms_calls", "ms_write", "ms_metrics")) {
      out.put(k, String.valueOf(counts.getOrDefault(k, 0L)));
    }
    for (Row r : spark.read().format("delta").load(warehouse.resolve("recommendation_metrics").toString())
        .where(col("run_date").equalTo(day).and(col("phrasing").equalTo("all"))).orderBy("metric").collectAsList()) {
      out.put(r.getString(r.fieldIndex("metric")), String.format(Locale.ROOT, "%.4f", r.getDouble(r.fieldIndex("value"))));
    }
    return out;
  }

  /** The baseline reuses the embeddings the first run cached (a Delta folder is self-contained). */
  private static void copyEmbeddings(Path from, Path to) {
    Path src = from.resolve("item_embeddings");
    Path dst = to.resolve("item_embeddings");
    if (Files.exists(dst)) {
      return;
    }
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : files.toList()) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(more));
    return out;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
