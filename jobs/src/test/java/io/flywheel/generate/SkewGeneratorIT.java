package io.flywheel.generate;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.skew.DriftAggregates;
import io.flywheel.skew.LoggedRequest;
import io.flywheel.skew.NumericDrift;
import io.flywheel.skew.SkewFeatures;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import io.flywheel.udfs.TextFeatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The skew sample data holds what its ground truth says, measured with TextFeatures on the texts
 * as the job will read them (dev columns; prod texts taken back out of the logged requests).
 */
class SkewGeneratorIT {
  private static final long DEV = 1000;
  private static final long PROD = 1500;
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);

  @TempDir static Path dir;
  private static JsonNode truth;
  private static final SparkSession spark = TestSpark.session();

  @BeforeAll
  static void generate() throws Exception {
    SkewGenerator.write(spark, dir.resolve("skew").toString(), DEV, PROD, 42, DAY, TestSpark.confDir().resolve("prompts"));
    truth = new ObjectMapper().readTree(Files.readString(dir.resolve("skew/ground_truth.json")));
  }

  /** (input, output) texts of one side, as the skew job reads them. */
  private static List<String[]> texts(String path) {
    Dataset<Row> df = spark.read().format("delta").load(dir.resolve("skew").resolve(path).toString());
    if (path.endsWith("llm_calls")) {
      df = df.select(LoggedRequest.itemFieldColumn("request", "description").as("input"),
          col("response").as("output"), LoggedRequest.itemFieldColumn("request", "category").as("category"));
    } else {
      df = df.select(col("input"), col("output"), col("category"));
    }
    return df.collectAsList().stream().map(r -> new String[] {r.getString(0), r.getString(1), r.getString(2)}).toList();
  }

  private static long count(List<String[]> rows, Predicate<String[]> p) {
    return rows.stream().filter(p).count();
  }

  private static final Map<String, Predicate<String[]>> MEASURES = Map.of(
      // Every clean English description starts with a capital: only lower-cased ones are all lower.
      "lowercase", r -> {
        TextFeatures.Casing c = TextFeatures.casingProfile(r[0]);
        return c != null && c.lower() == 1.0;
      },
      // The templates use only listed words (brands too): a misspelling is the only way to OOV.
      "typos", r -> TextFeatures.language(r[0]).equals("en") && TextFeatures.oovRate(r[0]) > 0,
      "longer", r -> TextFeatures.sentenceCount(r[0]) >= 12,
      "non_english", r -> !TextFeatures.language(r[0]).equals("en"),
      "broken_json", r -> !TextFeatures.isValidJson(r[1]),
      "new_topic", r -> SkewGenerator.NEW_TOPICS.contains(r[2]));

  @Test
  void plantedSharesAreWhatTheGroundTruthSays() {
    for (String pair : List.of("drifted", "control")) {
      JsonNode p = truth.path("pairs").path(pair);
      List<String[]> dev = texts(p.path("dev_path").asText());
      List<String[]> prod = texts(p.path("prod_path").asText());
      assertThat(dev).hasSize((int) DEV);
      assertThat(prod).hasSize((int) PROD);
      MEASURES.forEach((name, measure) -> {
        JsonNode planted = p.path("planted").path(name);
        assertThat(count(dev, measure)).as(pair + " dev " + name).isEqualTo(planted.path("dev_rows").asLong());
        assertThat(count(prod, measure)).as(pair + " prod " + name).isEqualTo(planted.path("prod_rows").asLong());
        // The realized rows are the stated share up to sampling error (4 standard errors).
        double share = planted.path("prod_share").asDouble();
        double se = Math.sqrt(share * (1 - share) / PROD);
        assertThat((double) planted.path("prod_rows").asLong() / PROD).as(pair + " " + name)
            .isBetween(share - 4 * se - 1e-9, share + 4 * se + 1e-9);
      });
    }
    JsonNode drifted = truth.path("pairs").path("drifted").path("planted");
    assertThat(drifted.path("new_topic").path("dev_rows").asLong()).isZero();
    assertThat(drifted.path("lowercase").path("prod_rows").asLong()).isGreaterThan(200);
  }

  @Test
  void prodLogHasTheLlmCallsSchemaAndBrokenAnswersAreGuardrailRejections() {
    Dataset<Row> calls = spark.read().format("delta").load(dir.resolve("skew/prod_llm_calls").toString());
    assertThat(calls.schema().fieldNames()).containsExactly(Table.LLM_CALLS.schema().fieldNames());
    long broken = truth.path("pairs").path("drifted").path("planted").path("broken_json").path("prod_rows").asLong();
    assertThat(calls.where("status = 'guardrail_rejected' AND error_class = 'guardrail:schema'").count()).isEqualTo(broken);
    assertThat(calls.where("call_date = DATE'2026-11-28' AND job = 'summarize'").count()).isEqualTo(PROD);
    Row one = calls.orderBy("item_key").first();
    String description = LoggedRequest.itemField(one.getString(one.fieldIndex("request")), "description");
    assertThat(description).isNotBlank();
    assertThat(spark.read().format("delta").load(dir.resolve("skew/prod_llm_calls").toString())
        .orderBy("item_key").select(LoggedRequest.itemFieldColumn("request", "description")).first().getString(0))
        .isEqualTo(description);
  }

  @Test
  void controlPairAgreesAndDriftedPairDoesNotOnPlantedFeatures() {
    Map<String, Double> control = maxDistances("control");
    Map<String, Double> drifted = maxDistances("drifted");
    // Same distribution: no input feature moves past the default threshold of 0.1.
    control.forEach((f, d) -> assertThat(d).as("control " + f).isLessThan(0.1));
    assertThat(control).containsKeys("in_chars", "in_lower_share", "in_oov_rate");
    // Lower-casing, misspelling, longer and foreign texts move these.
    for (String f : List.of("in_lower_share", "in_oov_rate", "in_chars", "in_sentences")) {
      assertThat(drifted.get(f)).as("drifted " + f).isGreaterThan(0.1);
    }
  }

  /**
   * The largest of JS, PSI and normalized Wasserstein per input feature of one pair. Wasserstein is
   * left out where the dev standard deviation is under 0.01: divided by a near-zero spread, a rare
   * feature (fragment_share: 1 dev row in 1,000) moves past 0.1 on sampling noise alone
   * (docs/skew.md#near-constant-features).
   */
  private static Map<String, Double> maxDistances(String pair) {
    JsonNode p = truth.path("pairs").path(pair);
    Dataset<Row> dev = spark.read().format("delta").load(dir.resolve("skew").resolve(p.path("dev_path").asText()).toString())
        .selectExpr("'dev' AS side", "input");
    Dataset<Row> prod = spark.read().format("delta").load(dir.resolve("skew").resolve(p.path("prod_path").asText()).toString())
        .select(org.apache.spark.sql.functions.lit("prod").as("side"), LoggedRequest.itemFieldColumn("request", "description").as("input"));
    Dataset<Row> features = SkewFeatures.withTextFeatures(dev.unionByName(prod), "input", "in_");
    List<String> names = SkewFeatures.prefixed("in_", SkewFeatures.NUMERIC);
    Map<String, Double> out = new java.util.TreeMap<>();
    for (NumericDrift d : DriftAggregates.numeric(features, names)) {
      if (d.jensenShannon() != null) {
        System.out.printf(java.util.Locale.ROOT, "skew %s %-20s js %.4f psi %.4f w1 %.4f dev_mean %.4f prod_mean %.4f%n",
            pair, d.feature(), d.jensenShannon(), d.psi(), d.wassersteinNorm(), d.devMean(), d.prodMean());
        double w = d.devStd() < 0.01 ? 0 : d.wassersteinNorm();
        out.put(d.feature(), Math.max(d.jensenShannon(), Math.max(d.psi(), w)));
      }
    }
    return out;
  }
}
