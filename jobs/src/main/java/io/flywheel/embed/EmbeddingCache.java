package io.flywheel.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Embeds texts on the executors (one {@link TextEmbedder} model per executor JVM, in batches) and
 * reuses the vectors already cached in a Delta table under the same key and model, so that a text is
 * embedded once (docs/skew.md#the-embedding-cache). Shared by the recommend job (key item id +
 * content hash, {@code item_embeddings}) and the skew job (key content hash, {@code text_embeddings}).
 */
public final class EmbeddingCache {
  /** Recorded with each cached vector: vectors of another model are never reused. */
  public static final String MODEL = "all-minilm-l6-v2-q";

  /** Texts read from a partition before they are sent to the model (in sub-batches of {@link TextEmbedder#DEFAULT_BATCH_SIZE}). */
  static final int PARTITION_BATCH = 256;

  private EmbeddingCache() {}

  /**
   * What {@link #embed} returns.
   *
   * @param rows the input rows with an {@code embedding ARRAY<FLOAT>} column added (unit length)
   * @param newCacheRows the vectors computed by this call, as cache rows (key columns, {@code model},
   *     {@code embedding}, {@code created_at}), computed once (checkpointed); the caller appends them
   *     ({@code TableWrites.appendOnce}) after it has read {@code rows} or not at all (dry run)
   * @param computed distinct keys embedded by this call
   * @param cached distinct keys whose vector came from the cache
   */
  public record Result(Dataset<Row> rows, Dataset<Row> newCacheRows, long computed, long cached) {}

  /** The content hash the caches are keyed by: hex SHA-256 of the exact text's UTF-8 bytes. */
  public static Column contentHash(Column text) {
    return sha2(text, 256);
  }

  /**
   * Adds {@code embedding} to {@code rows}: vectors of {@code cache} (a cache table: the key columns,
   * {@code model}, {@code embedding}; possibly empty) under the same key and {@link #MODEL} are
   * reused, the other distinct keys are embedded once, in a mapPartitions, and checkpointed.
   *
   * @param textColumn the text embedded for a key (rows with one key must have one text)
   * @param keyColumns the cache key without the model, e.g. {@code [content_hash]}
   */
  public static Result embed(Dataset<Row> rows, String textColumn, List<String> keyColumns, Dataset<Row> cache) {
    requireColumns(rows, "rows", concat(keyColumns, List.of(textColumn)));
    requireColumns(cache, "cache", concat(keyColumns, List.of("model", "embedding")));
    if (Arrays.asList(rows.columns()).contains("embedding")) {
      throw new IllegalArgumentException("rows already have an 'embedding' column");
    }
    Column[] keys = keyColumns.stream().map(k -> col(k)).toArray(Column[]::new);
    Column[] keysAndEmbedding = concat(keyColumns, List.of("embedding")).stream().map(k -> col(k)).toArray(Column[]::new);
    Dataset<Row> cachedVectors = cache.where(col("model").equalTo(lit(MODEL))).select(keysAndEmbedding)
        .dropDuplicates(keyColumns.toArray(String[]::new));
    Dataset<Row> distinct = rows.select(concat(keyColumns, List.of(textColumn)).stream().map(k -> col(k)).toArray(Column[]::new))
        .dropDuplicates(keyColumns.toArray(String[]::new));
    // A fixed number of hash partitions: AQE does not coalesce them, so every core gets texts to embed.
    int partitions = Math.max(1, rows.sparkSession().sparkContext().defaultParallelism() * 4);
    Dataset<Row> misses = distinct.join(cachedVectors, seq(keyColumns), "left_anti").repartition(partitions, keys);
    StructType out = new StructType();
    for (String k : keyColumns) {
      out = out.add(misses.schema().apply(k));
    }
    // Nullable as the tables' DDL declares them, so an append matches the table schema exactly.
    out = out.add("model", DataTypes.StringType)
        .add("embedding", DataTypes.createArrayType(DataTypes.FloatType))
        .add("created_at", DataTypes.TimestampType);
    // Eager checkpoint: the model runs once here, whatever reads the result afterwards.
    Dataset<Row> computedRows = misses.mapPartitions(new EmbedPartition(keyColumns.size()), Encoders.row(out))
        .localCheckpoint(true);
    long computed = computedRows.count();
    long total = distinct.count();
    Dataset<Row> vectors = cachedVectors.unionByName(computedRows.select(keysAndEmbedding))
        // After the caller appends computedRows, a re-read of the cache holds them too: keep one per key.
        .dropDuplicates(keyColumns.toArray(String[]::new));
    return new Result(rows.join(vectors, seq(keyColumns), "left"), computedRows, computed, total - computed);
  }

  /** Embeds the rows of one partition (key columns, then the text) batch by batch, lazily. */
  private static final class EmbedPartition implements MapPartitionsFunction<Row, Row>, Serializable {
    private final int keyCount;

    EmbedPartition(int keyCount) {
      this.keyCount = keyCount;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> in) {
      Timestamp now = new Timestamp(System.currentTimeMillis());
      return new Iterator<>() {
        private Iterator<Row> batch = Collections.emptyIterator();

        @Override
        public boolean hasNext() {
          if (!batch.hasNext() && in.hasNext()) {
            batch = embedBatch(in, now);
          }
          return batch.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return batch.next();
        }
      };
    }

    private Iterator<Row> embedBatch(Iterator<Row> in, Timestamp now) {
      List<Row> rows = new ArrayList<>(PARTITION_BATCH);
      List<String> texts = new ArrayList<>(PARTITION_BATCH);
      while (in.hasNext() && rows.size() < PARTITION_BATCH) {
        Row r = in.next();
        rows.add(r);
        texts.add(r.isNullAt(keyCount) ? "" : r.getString(keyCount));
      }
      List<float[]> vectors = TextEmbedder.embedAll(texts);
      List<Row> out = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        Object[] values = new Object[keyCount + 3];
        for (int k = 0; k < keyCount; k++) {
          values[k] = rows.get(i).get(k);
        }
        values[keyCount] = MODEL;
        values[keyCount + 1] = boxed(vectors.get(i));
        values[keyCount + 2] = now;
        out.add(RowFactory.create(values));
      }
      return out.iterator();
    }
  }

  /** A vector as the Scala sequence of boxed floats a Row holds for {@code ARRAY<FLOAT>}. */
  public static Object boxed(float[] v) {
    Float[] b = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = v[i];
    }
    return scala.jdk.javaapi.CollectionConverters.asScala(Arrays.asList(b)).toSeq();
  }

  private static void requireColumns(Dataset<Row> df, String what, List<String> needed) {
    List<String> have = Arrays.asList(df.columns());
    for (String c : needed) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException(what + " have no column '" + c + "' (columns: " + have + ")");
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static scala.collection.immutable.Seq<String> seq(List<String> columns) {
    return scala.jdk.javaapi.CollectionConverters.asScala(columns).toSeq();
  }
}
