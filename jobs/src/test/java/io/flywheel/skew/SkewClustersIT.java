package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.embed.EmbeddingCache;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
import io.flywheel.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedding clusters and embedding AUC on SkewGenerator's data, as the skew job runs them: sample
 * per side, embed through the cache, cluster, classify. The drifted pair's planted new topics must
 * come out as coverage gaps and its AUC over 0.55; the control pair has neither.
 */
class SkewClustersIT {
  private static final long DEV = 600;
  private static final long PROD = 900;
  private static final long SEED = 42;
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  /** Words only the new topics' descriptions use (their brands, products and advice). */
  private static final Map<String, Set<String>> TOPIC_WORDS = Map.of(
      "automotive", Set.of("brake", "pads", "wiper", "blades", "engine", "oil", "tire", "pump", "car", "cars", "battery",
          "vehicle", "manual", "install", "mechanics", "drivers", "braking", "vans", "diesel", "petrol", "workshop",
          "garage", "piston", "motorway", "roadster", "km", "fitting", "towing", "trucks", "registration"),
      "pharmacy", Set.of("vitamin", "tablets", "allergy", "spray", "pain", "relief", "gel", "cough", "syrup",
          "thermometer", "leaflet", "pharmacist", "medicine", "doctor", "dose", "doses", "flu", "cold", "symptoms",
          "remedy", "willow", "clover", "children", "pregnant", "headaches", "throats", "medical", "meals"));

  @TempDir static Path dir;
  private static final SparkSession spark = TestSpark.session();
  private static Warehouse wh;
  private static TableWrites writes;
  private static int batch;
  private static JsonNode truth;
  private static Map<String, Dataset<Row>> sides = new HashMap<>();
  private static Map<String, Dataset<Row>> embedded = new HashMap<>();
  private static Map<String, SkewClusters.Result> clusters = new HashMap<>();
  private static Map<String, EmbeddingDrift.Auc> aucs = new HashMap<>();
  private static Map<String, Long> computedFirst = new HashMap<>();
  private static SkewEmbedding.Output controlOutput;

  @BeforeAll
  static void run() throws Exception {
    String out = dir.resolve("skew").toString();
    SkewGenerator.write(spark, out, DEV, PROD, SEED, DAY, TestSpark.confDir().resolve("prompts"));
    truth = new ObjectMapper().readTree(Files.readString(dir.resolve("skew/ground_truth.json")));
    wh = new Warehouse(spark, dir.resolve("warehouse").toString(), "");
    writes = new TableWrites(wh, "skew", "skew-clusters-it");
    for (String pair : List.of("drifted", "control")) {
      JsonNode p = truth.path("pairs").path(pair);
      Dataset<Row> dev = spark.read().format("delta").load(out + "/" + p.path("dev_path").asText())
          .select(lit("dev").as("side"), col("input").as("text"), col("category"));
      Dataset<Row> prod = spark.read().format("delta").load(out + "/" + p.path("prod_path").asText())
          .select(lit("prod").as("side"), LoggedRequest.itemFieldColumn("request", "description").as("text"),
              LoggedRequest.itemFieldColumn("request", "category").as("category"));
      sides.put(pair, dev.unionByName(prod).cache());
      SkewClusters.Result c;
      if (pair.equals("drifted")) {
        // Step by step, as SkewEmbedding.run does it, keeping the intermediate frames for the tests.
        EmbeddingCache.Result e = embed(sides.get(pair), 2000);
        computedFirst.put(pair, e.computed());
        Dataset<Row> rows = e.rows().cache();
        embedded.put(pair, rows);
        c = SkewClusters.cluster(rows, SkewClusters.Settings.DEFAULTS);
        aucs.put(pair, EmbeddingDrift.auc(rows, SEED, EmbeddingDrift.DEFAULT_THRESHOLD));
      } else {
        // A fixed k here (the drifted pair tests the silhouette search): no gap should appear at any k.
        SkewEmbedding.Output o = SkewEmbedding.run(sides.get(pair), wh.readOrEmpty(Table.TEXT_EMBEDDINGS), 2000,
            new SkewClusters.Settings("kmeans", 12, 4, 16, SEED, 0.02, 0.9), EmbeddingDrift.DEFAULT_THRESHOLD, DAY, "run-1");
        writes.appendOnce(o.newCacheRows(), Table.TEXT_EMBEDDINGS, batch++);
        controlOutput = o;
        computedFirst.put(pair, o.embedded());
        c = o.result();
        aucs.put(pair, o.auc());
      }
      clusters.put(pair, c);
      System.out.printf(Locale.ROOT, "%s pair: k=%d silhouette %.4f (%s); AUC %.4f %s%n", pair, c.k(), c.silhouette(),
          SkewClusters.describeSilhouettes(c.silhouetteByK()), aucs.get(pair).auc(), aucs.get(pair));
      c.clusters().orderBy("cluster").show(40, false);
    }
  }

  @AfterAll
  static void release() {
    sides.values().forEach(Dataset::unpersist);
    embedded.values().forEach(Dataset::unpersist);
  }

  /** Samples, embeds through the cache and appends the new vectors, as the skew job does. */
  private static EmbeddingCache.Result embed(Dataset<Row> texts, int perSide) {
    Dataset<Row> sample = EmbeddingSample.withSample(texts, perSide, SEED);
    EmbeddingCache.Result e = EmbeddingCache.embed(sample, "text", List.of("content_hash"), wh.readOrEmpty(Table.TEXT_EMBEDDINGS));
    if (e.computed() > 0) {
      writes.appendOnce(e.newCacheRows(), Table.TEXT_EMBEDDINGS, batch++);
    }
    return e;
  }

  /** content_hash -> category of the generated item, for the texts of a pair. */
  private static Map<String, String> categories(String pair) {
    Map<String, String> m = new HashMap<>();
    for (Map<String, Object> r : TestSpark.rows(sides.get(pair).where(col("text").isNotNull())
        .select(EmbeddingCache.contentHash(col("text")).as("content_hash"), col("category")).distinct())) {
      m.put((String) r.get("content_hash"), (String) r.get("category"));
    }
    return m;
  }

  @Test
  void eachPlantedNewTopicIsACoverageGapCluster() {
    SkewClusters.Result c = clusters.get("drifted");
    List<Map<String, Object>> rows = TestSpark.rows(c.clusters().orderBy("cluster"));
    assertThat(rows).hasSize(c.k());
    Set<Integer> gaps = new HashSet<>();
    for (Map<String, Object> r : rows) {
      if ((Boolean) r.get("coverage_gap")) {
        gaps.add((Integer) r.get("cluster"));
      }
    }
    assertThat(gaps).isNotEmpty();
    Map<String, String> category = categories("drifted");
    Map<Integer, long[]> newTopicProd = new HashMap<>();
    Map<String, long[]> topicInGap = new HashMap<>();
    for (Map<String, Object> a : TestSpark.rows(c.assignments().where(col("side").equalTo("prod")))) {
      String cat = category.get((String) a.get("content_hash"));
      int cluster = (Integer) a.get("cluster");
      boolean isNew = SkewGenerator.NEW_TOPICS.contains(cat);
      long[] nc = newTopicProd.computeIfAbsent(cluster, x -> new long[2]);
      nc[0] += isNew ? 1 : 0;
      nc[1]++;
      if (isNew) {
        long[] t = topicInGap.computeIfAbsent(cat, x -> new long[2]);
        t[0] += gaps.contains(cluster) ? 1 : 0;
        t[1]++;
      }
    }
    for (String topic : SkewGenerator.NEW_TOPICS) {
      long[] t = topicInGap.get(topic);
      System.out.printf(Locale.ROOT, "%s: %d of %d prod texts in coverage-gap clusters%n", topic, t[0], t[1]);
      // The English texts of a topic (85% of them) share its words; the translated ones do not.
      assertThat((double) t[0] / t[1]).as("share of %s texts in gap clusters", topic).isGreaterThanOrEqualTo(0.6);
    }
    for (int g : gaps) {
      long[] nc = newTopicProd.get(g);
      assertThat((double) nc[0] / nc[1]).as("share of new-topic texts in gap cluster %d", g).isGreaterThanOrEqualTo(0.8);
    }
    // Each topic is named by the words of some gap cluster: in its top terms, or in its examples.
    Map<Integer, List<String>> words = new HashMap<>();
    for (Map<String, Object> r : rows) {
      if ((Boolean) r.get("coverage_gap")) {
        @SuppressWarnings("unchecked")
        List<String> terms = (List<String>) r.get("top_terms");
        words.put((Integer) r.get("cluster"), terms);
      }
    }
    for (String topic : SkewGenerator.NEW_TOPICS) {
      assertThat(words.values().stream().anyMatch(ts -> ts.stream().anyMatch(TOPIC_WORDS.get(topic)::contains)))
          .as("some gap cluster's top terms name %s (%s)", topic, words).isTrue();
    }
  }

  @Test
  void plantedProdOnlyKindsFormProdHeavyClustersAndTheControlPairHasNone() {
    // Drifted: typos (20% of prod vs 3% of dev) and non-English texts (15% vs 2%) come out as clusters
    // whose prod share is several times their dev share; the control pair's sides share every cluster.
    List<Map<String, Object>> drifted = TestSpark.rows(clusters.get("drifted").clusters()
        .where(col("drift_ratio").geq(0.6).and(col("prod_share").geq(0.02))));
    assertThat(drifted).isNotEmpty();
    Row control = clusters.get("control").clusters().agg(max(abs(col("drift_ratio")))).first();
    // Small control clusters move by sampling noise alone (8 dev vs 24 prod texts gives 0.33 at k = 12).
    assertThat(control.getDouble(0)).isLessThan(0.5);
  }

  @Test
  void gapExamplesShowProdTextsFirstAndEveryClusterHasAtMostFive() {
    // The k the silhouette chose, fixed, with a gap rule loose enough (drift ratio 0.6) that the
    // prod-heavy clusters of the drifted pair count as gaps.
    SkewClusters.Result c = SkewClusters.cluster(embedded.get("drifted"),
        new SkewClusters.Settings("kmeans", clusters.get("drifted").k(), 4, 16, SEED, 0.02, 0.6));
    List<Map<String, Object>> ex = TestSpark.rows(c.examples().orderBy("cluster", "rank"));
    assertThat(ex).isNotEmpty();
    Set<Integer> gaps = new HashSet<>();
    for (Map<String, Object> r : TestSpark.rows(c.clusters().where(col("coverage_gap")))) {
      gaps.add((Integer) r.get("cluster"));
    }
    assertThat(gaps).isNotEmpty();
    Map<Integer, Integer> perCluster = new HashMap<>();
    for (Map<String, Object> r : ex) {
      int cluster = (Integer) r.get("cluster");
      perCluster.merge(cluster, 1, Integer::sum);
      if (gaps.contains(cluster) && (Integer) r.get("rank") == 1) {
        assertThat(r.get("side")).isEqualTo("prod");
      }
    }
    assertThat(perCluster.keySet()).hasSize(c.k());
    assertThat(perCluster.values()).allSatisfy(n -> assertThat(n).isBetween(1, 5));
  }

  @Test
  void countsAndSharesAddUpOnEachSide() {
    SkewClusters.Result c = clusters.get("drifted");
    Row sums = c.clusters().agg(sum("dev_count"), sum("prod_count"), sum("dev_share"), sum("prod_share")).first();
    Row perSide = embedded.get("drifted").agg(count(when(col("side").equalTo("dev"), lit(1))),
        count(when(col("side").equalTo("prod"), lit(1)))).first();
    assertThat(sums.getLong(0)).isEqualTo(perSide.getLong(0));
    assertThat(sums.getLong(1)).isEqualTo(perSide.getLong(1));
    assertThat(sums.getDouble(2)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(sums.getDouble(3)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void driftedPairAucIsOverTheThreshold() {
    EmbeddingDrift.Auc auc = aucs.get("drifted");
    assertThat(auc.testDev() + auc.testProd()).isGreaterThan(500);
    assertThat(auc.auc()).isGreaterThan(0.55);
    assertThat(auc.drift()).isTrue();
  }

  @Test
  void controlPairHasNoCoverageGapAndAucUnderTheThreshold() {
    SkewClusters.Result c = clusters.get("control");
    assertThat(TestSpark.rows(c.clusters())).hasSize(c.k());
    assertThat(c.clusters().where(col("coverage_gap")).count()).isZero();
    EmbeddingDrift.Auc auc = aucs.get("control");
    assertThat(auc.testDev() + auc.testProd()).isGreaterThan(500);
    assertThat(auc.auc()).isLessThan(0.55);
    assertThat(auc.drift()).isFalse();
  }

  @Test
  void aSecondPassOverTheSameTextsEmbedsNothing() {
    assertThat(computedFirst.get("drifted")).isGreaterThan(1000);
    long cacheRows = wh.read(Table.TEXT_EMBEDDINGS).count();
    EmbeddingCache.Result again = embed(sides.get("drifted"), 2000);
    assertThat(again.computed()).isZero();
    assertThat(again.cached()).isEqualTo(embedded.get("drifted").select("content_hash").distinct().count());
    assertThat(wh.read(Table.TEXT_EMBEDDINGS).count()).isEqualTo(cacheRows);
  }

  @Test
  void theSampleIsStableAndCapsEachSide() {
    Dataset<Row> texts = sides.get("drifted");
    List<Map<String, Object>> a = TestSpark.rows(EmbeddingSample.withSample(texts, 100, SEED)
        .select("side", "content_hash").orderBy("side", "content_hash"));
    // The same rows in another order and partitioning: the same sample.
    List<Map<String, Object>> b = TestSpark.rows(EmbeddingSample.withSample(texts.repartition(7).orderBy(rand(3)), 100, SEED)
        .select("side", "content_hash").orderBy("side", "content_hash"));
    assertThat(a).hasSize(200).isEqualTo(b);
    // The kept texts are those with the smallest plain-Java key of their side.
    List<String> prodKeys = new ArrayList<>();
    for (Map<String, Object> r : TestSpark.rows(texts.where(col("side").equalTo("prod").and(col("text").isNotNull()))
        .select(EmbeddingCache.contentHash(col("text")).as("h")).distinct())) {
      prodKeys.add(EmbeddingSample.key(SEED, (String) r.get("h")));
    }
    prodKeys.sort(null);
    Set<String> sampledProdKeys = new HashSet<>();
    for (Map<String, Object> r : a) {
      if (r.get("side").equals("prod")) {
        sampledProdKeys.add(EmbeddingSample.key(SEED, (String) r.get("content_hash")));
      }
    }
    assertThat(sampledProdKeys).isEqualTo(new HashSet<>(prodKeys.subList(0, 100)));
  }

  @Test
  void bisectingKMeansWithAFixedKFindsProdHeavyClustersToo() {
    SkewClusters.Result c = SkewClusters.cluster(embedded.get("drifted"),
        new SkewClusters.Settings("bisecting_kmeans", 10, 4, 16, SEED, 0.02, 0.9));
    List<Map<String, Object>> rows = TestSpark.rows(c.clusters());
    assertThat(rows).isNotEmpty().allSatisfy(r -> {
      assertThat(r.get("algorithm")).isEqualTo("bisecting_kmeans");
      assertThat((Integer) r.get("k")).isBetween(2, 10);
    });
    assertThat(c.silhouetteByK().keySet()).containsExactly(10);
    assertThat(c.clusters().where(col("drift_ratio").geq(0.6).and(col("prod_share").geq(0.02))).count()).isPositive();
  }

  @Test
  void theStepReturnsRowsShapedLikeTheTables() {
    SkewEmbedding.Output o = controlOutput;
    assertThat(o.clusters().schema().simpleString()).isEqualTo("struct<run_date:date,run_id:string,cluster:int,k:int,"
        + "algorithm:string,dev_count:bigint,prod_count:bigint,dev_share:double,prod_share:double,drift_ratio:double,"
        + "top_terms:array<string>,coverage_gap:boolean,silhouette:double>");
    assertThat(o.examples().schema().simpleString())
        .isEqualTo("struct<run_date:date,run_id:string,cluster:int,side:string,rank:int,content_hash:string,text:string>");
    List<Map<String, Object>> runs = TestSpark.rows(o.clusters().select("run_date", "run_id").distinct());
    assertThat(runs).containsExactly(Map.of("run_date", DAY, "run_id", "run-1"));
    // Every distinct text of the control pair was sampled (under the cap) and embedded once.
    assertThat(o.sampledDev()).isBetween(DEV - 20, DEV);
    assertThat(o.sampledProd()).isBetween(PROD - 30, PROD);
    long distinct = sides.get("control").where(col("text").isNotNull())
        .select(EmbeddingCache.contentHash(col("text"))).distinct().count();
    assertThat(o.embedded() + o.cached()).isEqualTo(distinct);
  }
}
