package io.flywheel.skew;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.flywheel.embed.EmbeddingCache;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The skew job's embedding step in one call: sample each side, embed through the cache, cluster,
 * measure the embedding AUC (docs/skew.md#embedding-clusters). It writes nothing: the job appends
 * {@link Output#newCacheRows} to {@code text_embeddings} and replaces the run date's rows of {@code
 * skew_clusters} and {@code skew_examples} with what it returns.
 */
public final class SkewEmbedding {
  private SkewEmbedding() {}

  /**
   * What the step computed.
   *
   * @param clusters {@code skew_clusters} rows of the run (run_date, run_id first), computed already
   * @param examples {@code skew_examples} rows of the run, computed already
   * @param newCacheRows vectors embedded by this run, for {@code text_embeddings} (checkpointed)
   * @param embedded distinct texts embedded by this run; {@code cached}: read from the cache
   * @param sampledDev distinct dev texts clustered; {@code sampledProd} likewise
   */
  public record Output(Dataset<Row> clusters, Dataset<Row> examples, EmbeddingDrift.Auc auc, SkewClusters.Result result,
      Dataset<Row> newCacheRows, long embedded, long cached, long sampledDev, long sampledProd) {}

  /**
   * Runs the step on {@code texts} (columns {@code side} dev/prod and {@code text}: the input texts
   * of both sides) against {@code cache} (the {@code text_embeddings} table, or an empty frame with
   * its schema).
   */
  public static Output run(Dataset<Row> texts, Dataset<Row> cache, int samplePerSide, SkewClusters.Settings settings,
      double aucThreshold, LocalDate runDate, String runId) {
    Dataset<Row> sample = EmbeddingSample.withSample(texts, samplePerSide, settings.seed());
    EmbeddingCache.Result e = EmbeddingCache.embed(sample, "text", List.of("content_hash"), cache);
    // Read many times (every k tried, the AUC): kept, so the cache join runs once.
    Dataset<Row> rows = e.rows().cache();
    try {
      Row sides = rows.groupBy().pivot("side", List.<Object>of("dev", "prod")).count().first();
      long dev = sides.isNullAt(0) ? 0 : sides.getLong(0);
      long prod = sides.isNullAt(1) ? 0 : sides.getLong(1);
      SkewClusters.Result c = SkewClusters.cluster(rows, settings);
      EmbeddingDrift.Auc auc = EmbeddingDrift.auc(rows, settings.seed(), aucThreshold);
      return new Output(withRun(c.clusters(), runDate, runId), withRun(c.examples(), runDate, runId), auc, c,
          e.newCacheRows(), e.computed(), e.cached(), dev, prod);
    } finally {
      rows.unpersist();
    }
  }

  /** {@code df} with {@code run_date} and {@code run_id} as its first columns. */
  static Dataset<Row> withRun(Dataset<Row> df, LocalDate runDate, String runId) {
    List<Column> cols = new ArrayList<>(List.of(lit(Date.valueOf(runDate)).as("run_date"), lit(runId).as("run_id")));
    for (String c : df.columns()) {
      cols.add(col(c));
    }
    return df.select(cols.toArray(Column[]::new));
  }
}
