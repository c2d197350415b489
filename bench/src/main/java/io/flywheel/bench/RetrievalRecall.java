package io.flywheel.bench;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.config.ConfigLoader;
import io.flywheel.embed.Vectors;
import io.flywheel.recommend.CatalogIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Candidate retrieval on the bench's real item embeddings: the job's default index (k-means cells)
 * against exact search of every item (the baseline), over the same queries in the same run: recall
 * of the exact top 40 and time per query.
 */
final class RetrievalRecall {
  private RetrievalRecall() {}

  /** Standalone: {@code RetrievalRecall <item_embeddings Delta path> [queries]}. */
  public static void main(String[] args) {
    SparkSession spark = io.flywheel.run.SparkSessions.getOrCreate("flywheel-bench-retrieval");
    System.out.println(measure(spark, Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 500));
    spark.stop();
  }

  static String measure(SparkSession spark, Path embeddings, int queries) {
    FlywheelConfig.Recommend rec = ConfigLoader.load(null, java.util.Map.of(), List.of()).config().recommend();
    List<Row> rows = spark.read().format("delta").load(embeddings.toString())
        .dropDuplicates("item_id").orderBy("item_id").select("item_id", "embedding").collectAsList();
    String[] ids = new String[rows.size()];
    float[][] vs = new float[rows.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rows.get(i).getString(0);
      List<Float> v = rows.get(i).getList(1);
      vs[i] = new float[v.size()];
      for (int d = 0; d < vs[i].length; d++) {
        vs[i][d] = v.get(d);
      }
    }
    long t = System.nanoTime();
    CatalogIndex idx = new CatalogIndex(ids, ids, ids, vs, 0.85).withCells(rec.indexCells(), rec.probeCells());
    double buildS = (System.nanoTime() - t) / 1e9;
    // Queries like the job's: one item (history retrieval) or the mean of five (profile retrieval).
    SplittableRandom rnd = new SplittableRandom(7);
    List<float[]> qs = new ArrayList<>();
    for (int q = 0; q < queries; q++) {
      int parts = q % 2 == 0 ? 1 : 5;
      float[] sum = new float[vs[0].length];
      for (int p = 0; p < parts; p++) {
        float[] v = vs[rnd.nextInt(vs.length)];
        for (int d = 0; d < sum.length; d++) {
          sum[d] += v[d];
        }
      }
      qs.add(Vectors.normalize(sum));
    }
    List<List<Integer>> exact = new ArrayList<>();
    t = System.nanoTime();
    for (float[] q : qs) {
      exact.add(idx.exactNearest(q, rec.candidates(), Set.of()));
    }
    double exactMs = (System.nanoTime() - t) / 1e6 / queries;
    long found = 0;
    long wanted = 0;
    t = System.nanoTime();
    List<List<Integer>> approx = new ArrayList<>();
    for (float[] q : qs) {
      approx.add(idx.nearest(q, rec.candidates(), Set.of()));
    }
    double ivfMs = (System.nanoTime() - t) / 1e6 / queries;
    long scanned = 0;
    for (float[] q : qs) {
      scanned += idx.scanned(q, rec.candidates(), Set.of());
    }
    for (int q = 0; q < queries; q++) {
      Set<Integer> a = new HashSet<>(approx.get(q));
      wanted += exact.get(q).size();
      found += exact.get(q).stream().filter(a::contains).count();
    }
    return String.format(Locale.ROOT,
        "retrieval over %d items, %d queries, top %d: exact (baseline) %.2f ms/query; index of %d cells probing %d"
            + " (built in %.1f s) %.2f ms/query (%.1fx faster), %.0f items scored per query, recall %.3f",
        ids.length, queries, rec.candidates(), exactMs, idx.cells(), rec.probeCells(), buildS, ivfMs,
        exactMs / ivfMs, (double) scanned / queries, (double) found / wanted);
  }
}
