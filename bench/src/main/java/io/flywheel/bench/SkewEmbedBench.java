package io.flywheel.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.flywheel.embed.EmbeddingCache;
import io.flywheel.embed.TextEmbedder;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.run.SparkSessions;
import io.flywheel.skew.EmbeddingDrift;
import io.flywheel.skew.EmbeddingSample;
import io.flywheel.skew.SkewClusters;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the skew job's embedding part (run it with {@code bench/skew-embed [texts]}): embeds
 * the same generated texts with the raw ONNX model in one thread and through {@code EmbeddingCache}
 * on Spark, in one JVM, and compares texts per CPU-second; then times a cached rerun, the
 * clustering (k by silhouette) and the embedding AUC.
 */
public final class SkewEmbedBench {
  private SkewEmbedBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    Path dir = Path.of(args.length > 1 ? args[1] : "target/bench-skew-embed").toAbsolutePath();
    Path prompts = Path.of(args.length > 2 ? args[2] : "conf/prompts").toAbsolutePath();
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-skew-embed");
    int cores = spark.sparkContext().defaultParallelism();
    SkewGenerator gen = new SkewGenerator(42, PromptCatalog.load(prompts).get(SkewGenerator.PROMPT_ID));
    // Half dev (the base mix), half prod (the drifted mix, with its new topics): the texts the job embeds.
    Dataset<Row> texts = gen.devSet(spark, SkewGenerator.Side.DEV, n / 2, SkewGenerator.BASE)
        .select(lit("dev").as("side"), col("input").as("text"))
        .unionByName(gen.devSet(spark, SkewGenerator.Side.PROD, n - n / 2, SkewGenerator.DRIFTED)
            .select(lit("prod").as("side"), col("input").as("text")));
    Dataset<Row> sample = EmbeddingSample.withSample(texts, n, 42).localCheckpoint(true);
    List<String> list = new ArrayList<>();
    for (Row r : sample.dropDuplicates("content_hash").select("text").orderBy("text").collectAsList()) {
      list.add(r.getString(0));
    }
    int distinct = list.size();

    // Warm-up: load the model and let the JIT compile the path, outside the timings.
    TextEmbedder.embedAll(list.subList(0, Math.min(200, distinct)));
    EmbeddingCache.embed(sample.limit(200), "text", List.of("content_hash"),
        spark.createDataFrame(List.of(), io.flywheel.table.Table.TEXT_EMBEDDINGS.schema()));

    long cpu = cpuNanos();
    long t = System.nanoTime();
    TextEmbedder.embedAll(list);
    double rawWall = seconds(t);
    double rawCpu = (cpuNanos() - cpu) / 1e9;

    String cachePath = dir.resolve("text_embeddings").toString();
    cpu = cpuNanos();
    t = System.nanoTime();
    EmbeddingCache.Result first = EmbeddingCache.embed(sample, "text", List.of("content_hash"),
        spark.createDataFrame(List.of(), io.flywheel.table.Table.TEXT_EMBEDDINGS.schema()));
    double sparkWall = seconds(t);
    double sparkCpu = (cpuNanos() - cpu) / 1e9;
    first.newCacheRows().write().format("delta").mode("overwrite").save(cachePath);

    t = System.nanoTime();
    EmbeddingCache.Result again = EmbeddingCache.embed(sample, "text", List.of("content_hash"),
        spark.read().format("delta").load(cachePath));
    Dataset<Row> embedded = again.rows().localCheckpoint(true);
    double rerunWall = seconds(t);

    t = System.nanoTime();
    SkewClusters.Result clusters = SkewClusters.cluster(embedded, SkewClusters.Settings.DEFAULTS);
    long gaps = clusters.clusters().where(col("coverage_gap")).count();
    double clusterWall = seconds(t);

    t = System.nanoTime();
    EmbeddingDrift.Auc auc = EmbeddingDrift.auc(embedded, 42, EmbeddingDrift.DEFAULT_THRESHOLD);
    double aucWall = seconds(t);

    double rawPerCpu = distinct / rawCpu;
    double sparkPerCpu = first.computed() / sparkCpu;
    System.out.println();
    System.out.printf(Locale.ROOT, "skew-embed: %d generated texts, %d distinct, %d cores (local), model %s%n",
        n, distinct, cores, EmbeddingCache.MODEL);
    System.out.printf(Locale.ROOT, "%-52s %9s %9s %10s %14s%n", "step", "wall s", "cpu s", "texts/s", "texts/cpu-s");
    System.out.printf(Locale.ROOT, "%-52s %9.1f %9.1f %10.1f %14.1f%n", "raw ONNX, TextEmbedder.embedAll, one thread",
        rawWall, rawCpu, distinct / rawWall, rawPerCpu);
    System.out.printf(Locale.ROOT, "%-52s %9.1f %9.1f %10.1f %14.1f%n", "EmbeddingCache.embed on Spark (" + first.computed() + " embedded)",
        sparkWall, sparkCpu, first.computed() / sparkWall, sparkPerCpu);
    System.out.printf(Locale.ROOT, "per-core efficiency (Spark texts/cpu-s over raw): %.1f%% (goal >= 85%%)%n",
        100 * sparkPerCpu / rawPerCpu);
    System.out.printf(Locale.ROOT, "%-52s %9.1f  (%d embedded, %d cached)%n", "rerun from the cache", rerunWall,
        again.computed(), again.cached());
    System.out.printf(Locale.ROOT, "%-52s %9.1f  (k=%d, silhouette %.4f, %d coverage gaps; %s)%n",
        "clustering, " + clusters.silhouetteByK().size() + " k tried", clusterWall, clusters.k(), clusters.silhouette(), gaps,
        SkewClusters.describeSilhouettes(clusters.silhouetteByK()));
    System.out.printf(Locale.ROOT, "%-52s %9.1f  (AUC %.4f on %d held-out texts)%n", "embedding AUC (logistic regression)",
        aucWall, auc.auc(), auc.testDev() + auc.testProd());
    spark.stop();
  }

  /** CPU time of this whole JVM (every thread: driver, executor tasks, ONNX Runtime's own threads). */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
