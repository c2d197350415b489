package io.flywheel.embed;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
import io.flywheel.testing.TestSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared embedding cache: vectors computed once per distinct key and model, then read back. */
class EmbeddingCacheIT {
  private static final SparkSession spark = TestSpark.session();
  private static final StructType TEXTS = StructType.fromDDL("id STRING, text STRING");

  @TempDir Path dir;

  private static Dataset<Row> texts(String... idAndText) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < idAndText.length; i += 2) {
      rows.add(RowFactory.create(idAndText[i], idAndText[i + 1]));
    }
    return spark.createDataFrame(rows, TEXTS).withColumn("content_hash", EmbeddingCache.contentHash(col("text")));
  }

  @SuppressWarnings("unchecked")
  private static float[] vector(Map<String, Object> row) {
    List<Float> v = (List<Float>) row.get("embedding");
    float[] f = new float[v.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = v.get(i);
    }
    return f;
  }

  @Test
  void eachDistinctTextIsEmbeddedOnceAndASecondPassReadsTheCache() {
    Warehouse wh = new Warehouse(spark, dir.resolve("warehouse").toString(), "");
    TableWrites writes = new TableWrites(wh, "skew", "test-run");
    Dataset<Row> first = texts("a", "red kettle", "b", "blue kettle", "c", "red kettle", "d", "garden hose");

    EmbeddingCache.Result r1 = EmbeddingCache.embed(first, "text", List.of("content_hash"), wh.readOrEmpty(Table.TEXT_EMBEDDINGS));
    // Three distinct texts: "red kettle" twice is embedded once.
    assertThat(r1.computed()).isEqualTo(3);
    assertThat(r1.cached()).isZero();
    List<Map<String, Object>> rows = TestSpark.rows(r1.rows().orderBy("id"));
    assertThat(rows).hasSize(4);
    for (Map<String, Object> row : rows) {
      float[] expected = TextEmbedder.embed((String) row.get("text"));
      float[] got = vector(row);
      assertThat(got).hasSize(TextEmbedder.DIMENSIONS);
      assertThat(Vectors.cosine(got, expected)).isCloseTo(1.0, within(1e-6));
    }
    assertThat(TestSpark.rows(r1.newCacheRows().select("model").distinct()))
        .containsExactly(Map.of("model", EmbeddingCache.MODEL));
    writes.appendOnce(r1.newCacheRows(), Table.TEXT_EMBEDDINGS, 0);
    // A retried append of the same batch is skipped by Delta: still three rows.
    writes.appendOnce(r1.newCacheRows(), Table.TEXT_EMBEDDINGS, 0);
    assertThat(wh.read(Table.TEXT_EMBEDDINGS).count()).isEqualTo(3);

    Dataset<Row> second = texts("a", "red kettle", "b", "blue kettle", "e", "wool socks");
    EmbeddingCache.Result r2 = EmbeddingCache.embed(second, "text", List.of("content_hash"), wh.read(Table.TEXT_EMBEDDINGS));
    assertThat(r2.computed()).isEqualTo(1);
    assertThat(r2.cached()).isEqualTo(2);
    assertThat(TestSpark.rows(r2.newCacheRows().select("content_hash")))
        .containsExactly(Map.of("content_hash", TestSpark.rows(texts("e", "wool socks")).get(0).get("content_hash")));
    writes.appendOnce(r2.newCacheRows(), Table.TEXT_EMBEDDINGS, 1);
    // Read after the append: the new rows are in the cache now, and still one vector per row.
    assertThat(r2.rows().count()).isEqualTo(3);
    assertThat(wh.read(Table.TEXT_EMBEDDINGS).count()).isEqualTo(4);
  }

  @Test
  void vectorsOfAnotherModelAreNotReused() {
    Dataset<Row> in = texts("a", "stapler");
    String hash = (String) TestSpark.rows(in).get(0).get("content_hash");
    Dataset<Row> cache = spark.createDataFrame(List.of(RowFactory.create(hash, "some-other-model",
        EmbeddingCache.boxed(new float[TextEmbedder.DIMENSIONS]), new Timestamp(0))), Table.TEXT_EMBEDDINGS.schema());
    EmbeddingCache.Result r = EmbeddingCache.embed(in, "text", List.of("content_hash"), cache);
    assertThat(r.computed()).isEqualTo(1);
    assertThat(Vectors.norm(vector(TestSpark.rows(r.rows()).get(0)))).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void missingColumnsAreNamed() {
    Dataset<Row> in = texts("a", "stapler");
    Dataset<Row> cache = spark.createDataFrame(List.of(), Table.TEXT_EMBEDDINGS.schema());
    assertThatThrownBy(() -> EmbeddingCache.embed(in, "body", List.of("content_hash"), cache))
        .hasMessageContaining("'body'");
    assertThatThrownBy(() -> EmbeddingCache.embed(in, "text", List.of("id", "content_hash"), cache))
        .hasMessageContaining("cache have no column 'id'");
  }
}
