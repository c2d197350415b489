package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import io.flywheel.udfs.PiiRedactor;
import java.util.List;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * Cleaning of dataset rows before they are stored and exported (docs/feedback.md#cleaning): PII
 * scrubbing, the content id, exact and near-duplicate removal, the token limit.
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

  /** Prompt contents and answers with e-mails, phone and card numbers masked by {@link PiiRedactor}. */
  public static Dataset<Row> withPiiScrubbed(Dataset<Row> rows, FeedbackDataset d) {
    UserDefinedFunction redact = udf((UDF1<String, String>) PiiRedactor::redact, DataTypes.StringType);
    Dataset<Row> out = rows.withColumn("prompt", transform(col("prompt"),
        m -> struct(m.getField("role").as("role"), redact.apply(m.getField("content")).as("content"))));
    for (String c : answerColumns(d)) {
      out = out.withColumn(c, redact.apply(col(c)));
    }
    return out;
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
   * Jaccard similarity of the word shingles of {@code text} at least {@code threshold}, found with
   * MLlib {@link MinHashLSH} and {@code approxSimilarityJoin}. Splits are ignored, so a validation row
   * near a train row is dropped too (or the other way round: the earlier one stays). Rows without a
   * word are kept as they are. Rows need {@code example_id} and {@code event_time}.
   *
   * @param shingleWords words per shingle (texts shorter than this are one shingle of all their words)
   * @param hashTables MinHash tables: more find more of the true pairs, at more cost
   */
  public static Dataset<Row> withNearDuplicatesCollapsed(
      Dataset<Row> rows, Column text, List<String> sameKeys, double threshold, int shingleWords, int hashTables, long seed) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("near-duplicate Jaccard threshold must be within (0, 1], got " + threshold);
    }
    Dataset<Row> words = rows.select(col("example_id"), col("event_time"),
            filter(split(lower(coalesce(text, lit(""))), "[^\\p{L}\\p{N}]+"), w -> length(w).gt(0)).as("_words"),
            to_json(struct(sameKeys.isEmpty()
                ? new Column[] {lit(0).as("none")}
                : sameKeys.stream().map(k -> col(k)).toArray(Column[]::new))).as("_keys"));
    Dataset<Row> grams = new NGram().setN(shingleWords).setInputCol("_words").setOutputCol("_ngrams").transform(words)
        .withColumn("_shingles", when(size(col("_ngrams")).gt(0), col("_ngrams"))
            .otherwise(array(concat_ws(" ", col("_words")))))
        .filter(size(col("_words")).gt(0));
    Dataset<Row> features = new HashingTF().setInputCol("_shingles").setOutputCol("_features").setBinary(true)
        .setNumFeatures(SHINGLE_BUCKETS).transform(grams)
        .select(col("example_id"), col("event_time"), col("_keys"), col("_features"));
    MinHashLSHModel model = new MinHashLSH().setNumHashTables(hashTables).setSeed(seed)
        .setInputCol("_features").setOutputCol("_hashes").fit(features);
    double maxDistance = 1 - threshold;
    // approxSimilarityJoin keeps distances strictly below its bound; the exact bound is re-applied after.
    @SuppressWarnings("unchecked")
    Dataset<Row> joined = (Dataset<Row>) model.approxSimilarityJoin(features, features, maxDistance + 1e-9, "_distance");
    Dataset<Row> pairs = joined
        .filter(col("_distance").leq(maxDistance))
        .filter(col("datasetA.example_id").notEqual(col("datasetB.example_id")))
        .filter(col("datasetA._keys").equalTo(col("datasetB._keys")))
        .filter(col("datasetA.event_time").lt(col("datasetB.event_time"))
            .or(col("datasetA.event_time").equalTo(col("datasetB.event_time"))
                .and(col("datasetA.example_id").lt(col("datasetB.example_id")))));
    Dataset<Row> later = pairs.select(col("datasetB.example_id").as("example_id")).distinct();
    return rows.join(later, rows.col("example_id").equalTo(later.col("example_id")), "left_anti");
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
