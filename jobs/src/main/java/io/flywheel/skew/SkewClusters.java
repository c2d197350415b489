package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.clustering.BisectingKMeans;
import org.apache.spark.ml.clustering.BisectingKMeansModel;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.feature.CountVectorizer;
import org.apache.spark.ml.feature.CountVectorizerModel;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.StopWordsRemover;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Clusters the embedded dev and prod texts together with MLlib (KMeans or BisectingKMeans, k fixed
 * or picked by silhouette), and describes each cluster: both sides' counts and shares, drift ratio,
 * distinctive terms, examples, coverage gap (docs/skew.md#embedding-clusters).
 */
public final class SkewClusters {
  /** Columns of the per-cluster frame: {@code skew_clusters} without {@code run_date, run_id}. */
  public static final StructType CLUSTERS = StructType.fromDDL(
      "cluster INT, k INT, algorithm STRING, dev_count BIGINT, prod_count BIGINT, dev_share DOUBLE,"
          + " prod_share DOUBLE, drift_ratio DOUBLE, top_terms ARRAY<STRING>, coverage_gap BOOLEAN, silhouette DOUBLE");
  /** Columns of the examples frame: {@code skew_examples} without {@code run_date, run_id}. */
  public static final StructType EXAMPLES = StructType.fromDDL(
      "cluster INT, side STRING, rank INT, content_hash STRING, text STRING");
  /** Algorithms {@code skew.clusters.algorithm} accepts. */
  public static final List<String> ALGORITHMS = List.of("kmeans", "bisecting_kmeans");
  /** Examples kept per cluster. */
  public static final int EXAMPLES_PER_CLUSTER = 5;
  /** Distinctive terms kept per cluster. */
  public static final int TOP_TERMS = 10;

  private SkewClusters() {}

  /**
   * How to cluster; the skew job fills it from {@code skew.clusters.*}.
   *
   * @param k the number of clusters, or 0 to pick it by silhouette over [kMin, kMax]
   */
  public record Settings(String algorithm, int k, int kMin, int kMax, long seed, double gapMinProdShare,
      double gapMinDriftRatio) {
    /** The defaults docs/skew.md lists. */
    public static final Settings DEFAULTS = new Settings("kmeans", 0, 4, 16, 42, 0.02, 0.9);

    public Settings {
      if (!ALGORITHMS.contains(algorithm)) {
        throw new IllegalArgumentException("skew.clusters.algorithm must be one of " + ALGORITHMS + ", was '" + algorithm + "'");
      }
      if (k != 0 && k < 2) {
        throw new IllegalArgumentException("skew.clusters.k must be 0 (pick by silhouette) or at least 2, was " + k);
      }
      if (kMin < 2 || kMax < kMin) {
        throw new IllegalArgumentException("skew.clusters.k_min/k_max must satisfy 2 <= k_min <= k_max, were " + kMin + "/" + kMax);
      }
    }
  }

  /**
   * The clustering of one run.
   *
   * @param clusters one row per non-empty cluster ({@link #CLUSTERS}), ordered by cluster
   * @param examples up to {@value #EXAMPLES_PER_CLUSTER} texts per cluster ({@link #EXAMPLES})
   * @param assignments every input text with its cluster: {@code side, content_hash, cluster}
   * @param k the number of clusters of the model used
   * @param silhouette its silhouette (squared Euclidean), NaN when the model has one cluster
   * @param silhouetteByK every k tried and its silhouette, in order
   */
  public record Result(Dataset<Row> clusters, Dataset<Row> examples, Dataset<Row> assignments, int k,
      double silhouette, Map<Integer, Double> silhouetteByK) {}

  private record Fitted(Model<?> model, Vector[] centers, double silhouette) {}

  /**
   * Clusters {@code embedded} (columns {@code side} dev/prod, {@code content_hash}, {@code text},
   * {@code embedding ARRAY<FLOAT>} of unit length; one row per distinct text and side, as {@link
   * EmbeddingSample#withSample} gives) and describes every cluster.
   */
  public static Result cluster(Dataset<Row> embedded, Settings settings) {
    List<String> have = Arrays.asList(embedded.columns());
    for (String c : List.of("side", "content_hash", "text", "embedding")) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("texts to cluster have no column '" + c + "' (columns: " + have + ")");
      }
    }
    SparkSession spark = embedded.sparkSession();
    Dataset<Row> base = embedded.select(col("side"), col("content_hash"), col("text"),
        org.apache.spark.ml.functions.array_to_vector(col("embedding")).as("features"));
    Row totals = base.agg(count(when(col("side").equalTo("dev"), lit(1))).as("dev"),
        count(when(col("side").equalTo("prod"), lit(1))).as("prod"),
        count(when(not(col("side").isin("dev", "prod")).or(col("side").isNull()), lit(1))).as("other"),
        count(when(col("features").isNull(), lit(1))).as("no_vector")).first();
    long devTotal = totals.getLong(0);
    long prodTotal = totals.getLong(1);
    if (totals.getLong(2) > 0) {
      throw new IllegalArgumentException(totals.getLong(2) + " texts to cluster have a side other than 'dev' or 'prod'");
    }
    if (totals.getLong(3) > 0) {
      throw new IllegalArgumentException(totals.getLong(3) + " texts to cluster have no embedding");
    }
    if (devTotal == 0 || prodTotal == 0) {
      throw new IllegalArgumentException("clustering needs texts on both sides: dev " + devTotal + ", prod " + prodTotal);
    }
    long n = devTotal + prodTotal;
    // Partitioning and order fixed by the data alone, so the seeded fit gives the same clusters on
    // any machine (k-means|| samples partition by partition).
    int partitions = (int) Math.max(1, Math.min(64, n / 5000 + 1));
    Dataset<Row> points = base.repartition(partitions, col("content_hash")).sortWithinPartitions("content_hash", "side")
        .cache();
    try {
      Map<Integer, Double> byK = new LinkedHashMap<>();
      Fitted best = null;
      int kMax = (int) Math.min(settings.kMax(), n - 1);
      int[] ks = settings.k() > 0
          ? new int[] {(int) Math.min(settings.k(), n - 1)}
          : java.util.stream.IntStream.rangeClosed(Math.min(settings.kMin(), kMax), kMax).toArray();
      if (ks.length == 0 || ks[0] < 2) {
        throw new IllegalArgumentException("clustering needs at least 3 texts, got " + n);
      }
      for (int k : ks) {
        Fitted f = fit(points, settings.algorithm(), k, settings.seed());
        byK.put(k, f.silhouette());
        // Ties keep the smaller k (tried first); NaN (one cluster) never wins over a number.
        if (best == null || f.silhouette() > best.silhouette() || Double.isNaN(best.silhouette()) && !Double.isNaN(f.silhouette())) {
          best = f;
        }
      }
      Dataset<Row> assigned = best.model().transform(points).withColumnRenamed("prediction", "cluster").cache();
      try {
        return describe(spark, assigned, best, devTotal, prodTotal, settings, byK);
      } finally {
        assigned.unpersist();
      }
    } finally {
      points.unpersist();
    }
  }

  private static Fitted fit(Dataset<Row> points, String algorithm, int k, long seed) {
    Model<?> model;
    Vector[] centers;
    if (algorithm.equals("kmeans")) {
      // Euclidean on unit vectors: ||a − b||² = 2 − 2 cos(a, b), so nearest by distance is nearest by cosine.
      KMeansModel m = new KMeans().setK(k).setSeed(seed).setMaxIter(40).setFeaturesCol("features").fit(points);
      model = m;
      centers = m.clusterCenters();
    } else {
      BisectingKMeansModel m = new BisectingKMeans().setK(k).setSeed(seed).setMaxIter(40).setFeaturesCol("features").fit(points);
      model = m;
      centers = m.clusterCenters();
    }
    double silhouette = Double.NaN;
    if (centers.length > 1) {
      Dataset<Row> predicted = model.transform(points);
      if (predicted.select("prediction").distinct().limit(2).count() > 1) {
        silhouette = new ClusteringEvaluator().setFeaturesCol("features").setPredictionCol("prediction")
            .setDistanceMeasure("squaredEuclidean").evaluate(predicted);
      }
    }
    return new Fitted(model, centers, silhouette);
  }

  private static Result describe(SparkSession spark, Dataset<Row> assigned, Fitted best, long devTotal, long prodTotal,
      Settings settings, Map<Integer, Double> byK) {
    int k = best.centers().length;
    Map<Integer, List<String>> terms = topTerms(assigned.select("cluster", "text"), TOP_TERMS);
    List<Row> clusterRows = new ArrayList<>();
    Set<Integer> gaps = new TreeSet<>();
    for (Row r : assigned.groupBy("cluster")
        .agg(count(when(col("side").equalTo("dev"), lit(1))).as("dev"), count(when(col("side").equalTo("prod"), lit(1))).as("prod"))
        .orderBy("cluster").collectAsList()) {
      int cluster = r.getInt(0);
      ClusterDrift d = ClusterDrift.of(r.getLong(1), r.getLong(2), devTotal, prodTotal,
          settings.gapMinProdShare(), settings.gapMinDriftRatio());
      if (d.coverageGap()) {
        gaps.add(cluster);
      }
      clusterRows.add(RowFactory.create(cluster, k, settings.algorithm(), d.devCount(), d.prodCount(), d.devShare(),
          d.prodShare(), d.driftRatio(), scala.jdk.javaapi.CollectionConverters.asScala(terms.getOrDefault(cluster, List.of())).toSeq(),
          d.coverageGap(), Double.isNaN(best.silhouette()) ? (Double) null : Double.valueOf(best.silhouette())));
    }
    Dataset<Row> clusters = spark.createDataFrame(clusterRows, CLUSTERS);
    Dataset<Row> examples = spark.createDataFrame(examples(assigned, best.centers(), gaps), EXAMPLES);
    Dataset<Row> assignments = best.model().transform(assigned.drop("cluster"))
        .select(col("side"), col("content_hash"), col("prediction").as("cluster"));
    return new Result(clusters, examples, assignments, k, best.silhouette(), byK);
  }

  /**
   * Up to {@value #EXAMPLES_PER_CLUSTER} texts per cluster, nearest to its center first (ties by
   * content hash); in a coverage-gap cluster prod texts come before dev texts.
   */
  private static List<Row> examples(Dataset<Row> assigned, Vector[] centers, Set<Integer> gaps) {
    UserDefinedFunction distance = udf((UDF2<Vector, Integer, Double>) (v, c) -> Vectors.sqdist(v, centers[c]),
        DataTypes.DoubleType);
    Integer[] gapIds = gaps.toArray(Integer[]::new);
    return assigned
        .withColumn("dev_in_gap", col("cluster").isin((Object[]) gapIds).and(col("side").equalTo("dev")))
        .withColumn("distance", distance.apply(col("features"), col("cluster")))
        .withColumn("rank", row_number().over(Window.partitionBy("cluster")
            .orderBy(col("dev_in_gap"), col("distance"), col("content_hash"), col("side"))))
        .where(col("rank").leq(EXAMPLES_PER_CLUSTER))
        .select(col("cluster"), col("side"), col("rank"), col("content_hash"), col("text"))
        .orderBy("cluster", "rank").collectAsList();
  }

  /**
   * The {@code n} most distinctive terms of each cluster: words of letters only (2+ letters, lower
   * case), English stop words removed, weighted per text by TF-IDF (MLlib {@code CountVectorizer}
   * and {@code IDF} over all the texts), then scored by the cluster's mean TF-IDF minus the mean over
   * the other texts; a term must score above 0 and occur at least twice in the cluster.
   */
  static Map<Integer, List<String>> topTerms(Dataset<Row> clusterText, int n) {
    Dataset<Row> words = new StopWordsRemover().setLocale("en").setInputCol("tokens").setOutputCol("words")
        .transform(new RegexTokenizer().setInputCol("text").setOutputCol("tokens").setPattern("[^\\p{L}\\p{M}]+")
            .setGaps(true).setMinTokenLength(2).setToLowercase(true).transform(clusterText));
    Map<Integer, List<String>> out = new HashMap<>();
    if (words.where(size(col("words")).gt(0)).isEmpty()) {
      return out;
    }
    CountVectorizerModel cv = new CountVectorizer().setInputCol("words").setOutputCol("tf").setVocabSize(1 << 16).fit(words);
    Dataset<Row> tf = cv.transform(words);
    Dataset<Row> weighted = new IDF().setInputCol("tf").setOutputCol("tfidf").fit(tf).transform(tf);
    List<Row> perCluster = weighted.groupBy("cluster")
        .agg(count(lit(1)).as("texts"), Summarizer.sum(col("tf")).as("tf"), Summarizer.sum(col("tfidf")).as("tfidf"))
        .collectAsList();
    String[] vocabulary = cv.vocabulary();
    double[] total = new double[vocabulary.length];
    long texts = 0;
    for (Row r : perCluster) {
      double[] v = r.<Vector>getAs("tfidf").toArray();
      for (int i = 0; i < v.length; i++) {
        total[i] += v[i];
      }
      texts += r.getLong(r.fieldIndex("texts"));
    }
    for (Row r : perCluster) {
      long inside = r.getLong(r.fieldIndex("texts"));
      long outside = texts - inside;
      double[] counts = r.<Vector>getAs("tf").toArray();
      double[] sums = r.<Vector>getAs("tfidf").toArray();
      double[] score = new double[vocabulary.length];
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < vocabulary.length; i++) {
        score[i] = sums[i] / inside - (outside == 0 ? 0 : (total[i] - sums[i]) / outside);
        if (score[i] > 0 && counts[i] >= 2) {
          idx.add(i);
        }
      }
      idx.sort(Comparator.<Integer>comparingDouble(i -> -score[i]).thenComparing(i -> vocabulary[i]));
      List<String> top = new ArrayList<>();
      for (int i = 0; i < Math.min(n, idx.size()); i++) {
        top.add(vocabulary[idx.get(i)]);
      }
      out.put(r.getInt(r.fieldIndex("cluster")), top);
    }
    return out;
  }

  /** A one-line description of the silhouettes tried, for the run log. */
  public static String describeSilhouettes(Map<Integer, Double> byK) {
    StringBuilder b = new StringBuilder();
    byK.forEach((k, s) -> b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "k=%d: %.4f", k, s)));
    return b.toString();
  }
}
