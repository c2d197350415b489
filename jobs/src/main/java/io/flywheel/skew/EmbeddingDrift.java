package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Whole-set embedding drift: how well an MLlib logistic regression tells prod texts from dev texts by
 * their embeddings, as ROC AUC on held-out texts (docs/skew.md#embedding-auc).
 */
public final class EmbeddingDrift {
  /** The default of {@code skew.auc_threshold}: drift when the AUC is over it. */
  public static final double DEFAULT_THRESHOLD = 0.55;

  private EmbeddingDrift() {}

  /**
   * The classifier's result.
   *
   * @param auc area under the ROC curve on the held-out texts; NaN when a side has no text in the
   *     training or the held-out part
   * @param drift {@code auc > threshold}
   * @param trainDev dev texts trained on (likewise the other counts)
   */
  public record Auc(double auc, boolean drift, double threshold, long trainDev, long trainProd, long testDev,
      long testProd) {}

  /**
   * Trains on half of {@code embedded} (columns {@code side} dev/prod, {@code content_hash}, {@code
   * embedding ARRAY<FLOAT>}) and measures the AUC on the other half. The split is by {@code
   * sha2("<seed>:auc:<content_hash>")} (the same text always falls on the same half, on any
   * machine); each class is weighted by total / (2 × its count) so that unequal sides weigh equally.
   */
  public static Auc auc(Dataset<Row> embedded, long seed, double threshold) {
    List<String> have = Arrays.asList(embedded.columns());
    for (String c : List.of("side", "content_hash", "embedding")) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("texts for the embedding AUC have no column '" + c + "' (columns: " + have + ")");
      }
    }
    Dataset<Row> labeled = embedded.where(col("embedding").isNotNull())
        .select(when(col("side").equalTo("prod"), lit(1.0)).when(col("side").equalTo("dev"), lit(0.0))
                .otherwise(raise_error(concat(lit("side must be 'dev' or 'prod', got '"), coalesce(col("side"), lit("NULL")), lit("'"))))
                .cast("double").as("label"),
            org.apache.spark.ml.functions.array_to_vector(col("embedding")).as("features"),
            substring(sha2(concat(lit(seed + ":auc:"), col("content_hash")), 256), 1, 1).lt(lit("8")).as("is_test"))
        .cache();
    try {
      Row c = labeled.agg(
          count(when(not(col("is_test")).and(col("label").equalTo(0.0)), lit(1))),
          count(when(not(col("is_test")).and(col("label").equalTo(1.0)), lit(1))),
          count(when(col("is_test").and(col("label").equalTo(0.0)), lit(1))),
          count(when(col("is_test").and(col("label").equalTo(1.0)), lit(1)))).first();
      long trainDev = c.getLong(0);
      long trainProd = c.getLong(1);
      long testDev = c.getLong(2);
      long testProd = c.getLong(3);
      if (trainDev == 0 || trainProd == 0 || testDev == 0 || testProd == 0) {
        return new Auc(Double.NaN, false, threshold, trainDev, trainProd, testDev, testProd);
      }
      double train = trainDev + trainProd;
      Dataset<Row> training = labeled.where(not(col("is_test")))
          .withColumn("weight", when(col("label").equalTo(1.0), lit(train / (2.0 * trainProd)))
              .otherwise(lit(train / (2.0 * trainDev))));
      LogisticRegressionModel model = new LogisticRegression().setFeaturesCol("features").setLabelCol("label")
          .setWeightCol("weight").setRegParam(0.01).setMaxIter(100).fit(training);
      // AUC is a ranking measure over each class separately, so the held-out part needs no weights.
      double auc = new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol("rawPrediction")
          .setMetricName("areaUnderROC").evaluate(model.transform(labeled.where(col("is_test"))));
      return new Auc(auc, auc > threshold, threshold, trainDev, trainProd, testDev, testProd);
    } finally {
      labeled.unpersist();
    }
  }
}
