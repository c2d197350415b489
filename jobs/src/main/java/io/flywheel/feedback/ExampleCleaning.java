package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import java.util.List;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

/**
 * Cleaning of dataset rows before they are stored and exported (docs/feedback.md#cleaning): the
 * content id, exact and near-duplicate removal, the token limit. PII is scrubbed before, where the
 * texts enter ({@link FeedbackEvents#scrubbed}).
 */
public final class ExampleCleaning {
  /** Shingle vectors are hashed into this many buckets; collisions only make texts look more alike. */
  static final int SHINGLE_BUCKETS = 1 << 20;

  /** Kept and dropped rows of {@link #limitTokens}; {@code dropped.count()} is what the job reports. */
  public record TokenLimited(Dataset<Row> kept, Dataset<Row> dropped) {}

  private ExampleCleaning() {}

  /** The text columns of each dataset that are scrubbed and hashed, besides {@code prompt}. */
  static List<String> answerColumns(FeedbackDataset d) {
    return switch (d) {
      case SFT_EXAMPLES, KTO_EXAMPLES, BINARY_LABELS -> List.of("completion");
      case PREFERENCE_PAIRS -> List.of("chosen", "rejected");
    };
  }

  /** The columns whose values make an example what it is: equal values, same example. */
  static List<String> contentColumns(FeedbackDataset d) {
    return switch (d) {
      case SFT_EXAMPLES -> List.of("prompt", "completion");
      case PREFERENCE_PAIRS -> List.of("prompt", "chosen", "rejected");
      case KTO_EXAMPLES -> List.of("prompt", "completion", "label");
      case BINARY_LABELS -> List.of("question", "prompt", "completion", "answer");
    };
  }

  /** Adds {@code example_id}: SHA-256 of the JSON of the content columns, so equal content, equal id. */
  public static Dataset<Row> withExampleId(Dataset<Row> rows, FeedbackDataset d) {
    Column[] content = contentColumns(d).stream().map(c -> col(c)).toArray(Column[]::new);
    return rows.withColumn("example_id", sha2(concat(lit(d.tableName() + "|"), to_json(struct(content))), 256));
  }

  /**
   * One row per {@code example_id}: the earliest (event time, then user, then event id), so that a
   * later copy never displaces a row already exported.
   */
  public static Dataset<Row> withExactDuplicatesDropped(Dataset<Row> rows) {
    return rows.withColumn("_rank", row_number().over(Window.partitionBy("example_id")
            .orderBy(col("event_time").asc_nulls_last(), col("user_id"), col("event_id"))))
        .filter(col("_rank").equalTo(1)).drop("_rank");
  }

  /** The text near duplicates are judged on: the target(s), never the prompt. */
  public static Column nearDuplicateText(FeedbackDataset d) {
    return d == FeedbackDataset.PREFERENCE_PAIRS
        ? concat_ws(" ", col("chosen"), col("rejected"))
        : col("completion");
  }

  /** Columns that must be equal for two rows to collapse (a good and a bad answer never do). */
  public static List<String> nearDuplicateKeys(FeedbackDataset d) {
    return switch (d) {
      case SFT_EXAMPLES, PREFERENCE_PAIRS -> List.of();
      case KTO_EXAMPLES -> List.of("label");
      case BINARY_LABELS -> List.of("question", "answer");
    };
  }

  /**
   * Drops every row that has a near duplicate ranked before it (event time, then {@code example_id}):
   * Jaccard similarity of the word shingles of {@code text} at least {@code threshold}. Splits are
   * ignored, so a validation row near a train row is dropped too (or the other way round: the earlier
   * one stays). Rows without a word are kept as they are. Rows need {@code example_id} and
   * {@code event_time}. How the pairs are found: {@link #nearDuplicatePairs}.
   */
  public static Dataset<Row> withNearDuplicatesCollapsed(Dataset<Row> rows, Column text, List<String> sameKeys,
      double threshold, int shingleWords, int bands, int bandRows, long seed) {
    Dataset<Row> later = nearDuplicatePairs(rows, text, sameKeys, threshold, shingleWords, bands, bandRows, seed)
        .select(col("later").as("_later")).distinct();
    return rows.join(later, rows.col("example_id").equalTo(later.col("_later")), "left_anti");
  }

  /**
   * The near-duplicate pairs of {@code rows} ({@code earlier, later, jaccard}; {@code earlier} ranks
   * before {@code later}, both with the same {@code sameKeys}), found with banded MinHash LSH
   * (Leskovec, Rajaraman, Ullman, "Mining of Massive Datasets", ch. 3.4): MLlib's {@link MinHashLSH}
   * computes {@code bands × bandRows} min-hashes of each row's shingle set; the min-hashes of a band
   * together are its signature, and rows with an equal signature in some band are candidates (a pair
   * of similarity s is one with probability 1 − (1 − s^r)^b). Within one band bucket, sorted by rank,
   * each row is compared with the bucket's first row and with the row just before it, never with all
   * of them: a template shared by a million rows costs at most two candidates per row and band
   * instead of a quadratic self-join (which {@code approxSimilarityJoin} becomes, since a bucket there
   * is a single min-hash value). Candidates are then kept only when their exact Jaccard similarity,
   * on the hashed shingle sets, reaches {@code threshold}.
   *
   * @param shingleWords words per shingle (texts shorter than this are one shingle of all their words)
   * @param bands LSH bands (more: more of the true pairs found, more candidates)
   * @param bandRows min-hashes per band (more: fewer dissimilar candidates)
   */
  public static Dataset<Row> nearDuplicatePairs(Dataset<Row> rows, Column text, List<String> sameKeys, double threshold,
      int shingleWords, int bands, int bandRows, long seed) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("near-duplicate Jaccard threshold must be within (0, 1], got " + threshold);
    }
    if (bands < 1 || bandRows < 1) {
      throw new IllegalArgumentException("LSH bands and rows per band must be positive, got " + bands + " x " + bandRows);
    }
    // Sorted first, so that the sort's sampling pass reads the texts and not their shingle vectors.
    Dataset<Row> words = rows.orderBy(col("event_time").asc_nulls_last(), col("example_id"))
        .select(col("example_id"), col("event_time"),
            filter(split(lower(coalesce(text, lit(""))), "[^\\p{L}\\p{N}]+"), w -> length(w).gt(0)).as("_words"),
            to_json(struct(sameKeys.isEmpty()
                ? new Column[] {lit(0).as("none")}
                : sameKeys.stream().map(k -> col(k)).toArray(Column[]::new))).as("_keys"));
    Dataset<Row> grams = new NGram().setN(shingleWords).setInputCol("_words").setOutputCol("_ngrams").transform(words)
        .withColumn("_shingles", when(size(col("_ngrams")).gt(0), col("_ngrams"))
            .otherwise(array(concat_ws(" ", col("_words")))))
        .filter(size(col("_words")).gt(0));
    // Ranked once: the position of each row in (event time, example_id) order is a long (_rid) that the
    // band rows (bands per row) carry, sort on and join on instead of the 64-character example_id.
    // Checkpointed: read three times below (signatures, both sides of the exact comparison), and
    // tokenising, shingling and hashing every text again each time cost more than keeping the vectors.
    Dataset<Row> features = new HashingTF().setInputCol("_shingles").setOutputCol("_features").setBinary(true)
        .setNumFeatures(SHINGLE_BUCKETS).transform(grams)
        .select(col("example_id"), col("event_time"), col("_keys"), col("_features"))
        .withColumn("_rid", monotonically_increasing_id())
        .localCheckpoint();
    MinHashLSHModel model = new MinHashLSH().setNumHashTables(bands * bandRows).setSeed(seed)
        .setInputCol("_features").setOutputCol("_hashes").fit(features);
    UserDefinedFunction signatures = udf((UDF2<scala.collection.Seq<Vector>, Long, long[]>) (h, keys) -> bandSignatures(h, keys, bands, bandRows),
        DataTypes.createArrayType(DataTypes.LongType, false));
    // The keys are mixed into each band's signature, so rows of other keys share a bucket only by a hash
    // collision, which the exact comparison below rejects.
    Dataset<Row> banded = model.transform(features)
        .select(col("_rid"), posexplode(signatures.apply(col("_hashes"), xxhash64(col("_keys")))).as(new String[] {"_band", "_sig"}));
    // monotonically_increasing_id rises with the partition and the row within it, so after the global sort
    // (and only narrow steps since) _rid order is rank order.
    WindowSpec bucket = Window.partitionBy(col("_band"), col("_sig")).orderBy(col("_rid"));
    Dataset<Row> candidates = banded
        .select(col("_rid").as("later"), first(col("_rid")).over(bucket).as("_first"),
            lag(col("_rid"), 1).over(bucket).as("_prev"))
        .select(col("later"), explode(array(col("_first"), col("_prev"))).as("earlier"))
        .filter(col("earlier").isNotNull().and(col("earlier").notEqual(col("later"))))
        .select("earlier", "later").distinct();
    UserDefinedFunction jaccard = udf((UDF2<Vector, Vector, Double>) ExampleCleaning::jaccard, DataTypes.DoubleType);
    Dataset<Row> a = features.select(col("_rid").as("_a_rid"), col("example_id").as("_a_id"), col("_keys").as("_a_keys"), col("_features").as("_a"));
    Dataset<Row> b = features.select(col("_rid").as("_b_rid"), col("example_id").as("_b_id"), col("_keys").as("_b_keys"), col("_features").as("_b"));
    return candidates.join(a, col("earlier").equalTo(col("_a_rid"))).join(b, col("later").equalTo(col("_b_rid")))
        .filter(col("_a_keys").equalTo(col("_b_keys")))
        .select(col("_a_id").as("earlier"), col("_b_id").as("later"), jaccard.apply(col("_a"), col("_b")).as("jaccard"))
        .filter(col("jaccard").geq(threshold));
  }

  /**
   * One signature per band: the band's {@code bandRows} min-hashes and the row's {@code keys} hash
   * mixed into one long.
   */
  static long[] bandSignatures(scala.collection.Seq<Vector> hashes, long keys, int bands, int bandRows) {
    long[] out = new long[bands];
    for (int b = 0; b < bands; b++) {
      long h = 0x9E3779B97F4A7C15L ^ keys;
      for (int r = 0; r < bandRows; r++) {
        h = (h ^ (long) hashes.apply(b * bandRows + r).apply(0)) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
      }
      out[b] = h;
    }
    return out;
  }

  /** Jaccard similarity of two binary vectors' sets of non-zero indices (1 for two empty sets). */
  static double jaccard(Vector x, Vector y) {
    int[] a = x.toSparse().indices();
    int[] b = y.toSparse().indices();
    int i = 0;
    int j = 0;
    int both = 0;
    while (i < a.length && j < b.length) {
      if (a[i] == b[j]) {
        both++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    int union = a.length + b.length - both;
    return union == 0 ? 1.0 : (double) both / union;
  }

  /** Adds {@code token_count}: the prompt and the longest answer, as {@link ExampleTokens} estimates. */
  public static Dataset<Row> withTokenCount(Dataset<Row> rows, FeedbackDataset d) {
    Column promptChars = coalesce(expr("aggregate(prompt, 0L, (acc, m) -> acc + coalesce(length(m.content), 0))"), lit(0L));
    Column[] answers = answerColumns(d).stream().map(c -> coalesce(length(col(c)), lit(0))).toArray(Column[]::new);
    Column answerChars = answers.length == 1 ? answers[0] : greatest(answers);
    return rows.withColumn("token_count", ExampleTokens.fromChars(promptChars.plus(answerChars)));
  }

  /** Splits rows at {@code maxTokens} ({@link #withTokenCount}); the job counts and reports the dropped ones. */
  public static TokenLimited limitTokens(Dataset<Row> rows, FeedbackDataset d, long maxTokens) {
    Dataset<Row> counted = withTokenCount(rows, d);
    return new TokenLimited(counted.filter(col("token_count").leq(maxTokens)), counted.filter(col("token_count").gt(maxTokens)));
  }
}
