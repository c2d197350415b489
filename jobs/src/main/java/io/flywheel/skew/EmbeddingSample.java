package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import io.flywheel.embed.EmbeddingCache;
import io.flywheel.udfs.Hashing;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The texts of each side that are embedded: distinct texts only, at most a configured number per
 * side, chosen by the smallest sampling key so that a rerun picks the same texts
 * (docs/skew.md#sampling).
 */
public final class EmbeddingSample {
  private EmbeddingSample() {}

  /** The sampling key of a text: hex SHA-256 of {@code "<seed>:<content_hash>"}; the smallest keys are kept. */
  public static String key(long seed, String contentHash) {
    return Hashing.sha256(seed + ":" + contentHash);
  }

  /** {@link #key} as a Spark column (the same hex string). */
  public static Column keyColumn(long seed, Column contentHash) {
    return sha2(concat(lit(seed + ":"), contentHash), 256);
  }

  /**
   * At most {@code perSide} distinct texts of each side of {@code texts} (columns {@code side}: dev
   * or prod, and {@code text}; null and blank texts are left out, the job counts them): columns
   * {@code side, content_hash, text, text_rows} (how many rows of the side had that text), the
   * texts with the smallest {@link #key} per side.
   */
  public static Dataset<Row> withSample(Dataset<Row> texts, int perSide, long seed) {
    List<String> have = Arrays.asList(texts.columns());
    for (String c : List.of("side", "text")) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("texts to sample have no column '" + c + "' (columns: " + have + ")");
      }
    }
    if (perSide < 1) {
      throw new IllegalArgumentException("skew.embed.sample_per_side must be at least 1, was " + perSide);
    }
    Dataset<Row> distinct = texts.where(col("text").isNotNull().and(trim(col("text")).notEqual("")))
        .withColumn("side", checkedSide(col("side")))
        .withColumn("content_hash", EmbeddingCache.contentHash(col("text")))
        .groupBy("side", "content_hash").agg(first("text").as("text"), count(lit(1)).as("text_rows"));
    return distinct
        .withColumn("sample_key", keyColumn(seed, col("content_hash")))
        .withColumn("sample_rank", row_number().over(Window.partitionBy("side").orderBy("sample_key")))
        .where(col("sample_rank").leq(perSide))
        .select("side", "content_hash", "text", "text_rows");
  }

  /** The side, or a task failure naming the unexpected value. */
  private static Column checkedSide(Column side) {
    return when(side.isin("dev", "prod"), side)
        .otherwise(raise_error(concat(lit("side must be 'dev' or 'prod', got '"), coalesce(side, lit("NULL")), lit("'"))));
  }
}
