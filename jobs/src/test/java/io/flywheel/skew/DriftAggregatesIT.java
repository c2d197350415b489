package io.flywheel.skew;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flywheel.testing.TestSpark;
import io.flywheel.udfs.FlywheelFunctions;
import io.flywheel.udfs.TextFeatures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The Spark aggregations give what the plain-Java reference gives on the same small data. */
class DriftAggregatesIT {
  private static final StructType SCHEMA = StructType.fromDDL("side STRING, x DOUBLE, n INT, lang STRING");

  private final SparkSession spark = TestSpark.session();

  /** 300 dev and 500 prod rows: prod shifted and wider, a few nulls, skewed categories. */
  private static List<Row> rows() {
    SplittableRandom r = new SplittableRandom(11);
    String[] langs = {"en", "en", "en", "de", "fr", "ja", "es"};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      boolean dev = i < 300;
      Double x = r.nextInt(20) == 0 ? null : Math.round((dev ? r.nextGaussian() : 0.5 + 1.5 * r.nextGaussian()) * 1000) / 1000.0;
      Integer n = dev ? 10 + r.nextInt(30) : 20 + r.nextInt(60);
      String lang = r.nextInt(25) == 0 ? null : dev ? langs[r.nextInt(4)] : langs[r.nextInt(langs.length)];
      rows.add(RowFactory.create(dev ? "dev" : "prod", x, n, lang));
    }
    return rows;
  }

  private static double[] values(List<Row> rows, String side, int field) {
    return rows.stream().filter(r -> r.getString(0).equals(side) && !r.isNullAt(field))
        .mapToDouble(r -> ((Number) r.get(field)).doubleValue()).toArray();
  }

  private static long nulls(List<Row> rows, String side, int field) {
    return rows.stream().filter(r -> r.getString(0).equals(side) && r.isNullAt(field)).count();
  }

  private static Map<String, Long> categories(List<Row> rows, String side) {
    Map<String, Long> m = new HashMap<>();
    rows.stream().filter(r -> r.getString(0).equals(side) && !r.isNullAt(3)).forEach(r -> m.merge(r.getString(3), 1L, Long::sum));
    return m;
  }

  @Test
  void numericDistancesEqualThePlainJavaReference() {
    List<Row> rows = rows();
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
    List<NumericDrift> spark = DriftAggregates.numeric(df, List.of("x", "n"));
    for (int k = 0; k < 2; k++) {
      int field = k + 1;
      NumericDrift want = NumericDrift.compare(k == 0 ? "x" : "n", values(rows, "dev", field), values(rows, "prod", field),
          nulls(rows, "dev", field), nulls(rows, "prod", field));
      NumericDrift got = spark.get(k);
      assertThat(got.feature()).isEqualTo(want.feature());
      assertThat(got.devCount()).isEqualTo(want.devCount());
      assertThat(got.prodNulls()).isEqualTo(want.prodNulls());
      assertThat(got.min()).isEqualTo(want.min());
      assertThat(got.max()).isEqualTo(want.max());
      assertThat(got.bins()).isEqualTo(want.bins());
      assertThat(got.devHistogram()).containsExactly(want.devHistogram());
      assertThat(got.prodHistogram()).containsExactly(want.prodHistogram());
      assertThat(got.jensenShannon()).isEqualTo(want.jensenShannon());
      assertThat(got.psi()).isEqualTo(want.psi());
      assertThat(got.devMean()).isCloseTo(want.devMean(), within(1e-9));
      assertThat(got.devStd()).isCloseTo(want.devStd(), within(1e-9));
      assertThat(got.wassersteinExact()).isTrue();
      assertThat(got.wassersteinNorm()).isCloseTo(want.wassersteinNorm(), within(1e-9));
      assertThat(got.jensenShannon()).isGreaterThan(0.1); // the planted shift is visible
    }
    // x: 800 rows less nulls -> Sturges over the non-null count.
    assertThat(spark.get(0).bins()).isEqualTo(Distances.sturgesBins(spark.get(0).devCount() + spark.get(0).prodCount()));
  }

  @Test
  void largeInputModeTakesWassersteinFromAFineHistogramWithinItsBound() {
    List<Row> rows = rows();
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
    NumericDrift fine = DriftAggregates.numeric(df, List.of("x"), 0, 200).get(0);
    NumericDrift exact = NumericDrift.compare("x", values(rows, "dev", 1), values(rows, "prod", 1), 0, 0);
    assertThat(fine.wassersteinExact()).isFalse();
    assertThat(fine.wassersteinErrorBound()).isGreaterThan(0);
    assertThat(Math.abs(fine.wassersteinNorm() - exact.wassersteinNorm()))
        .isLessThanOrEqualTo(fine.wassersteinErrorBound() + 1e-9);
    // JS and PSI do not depend on the mode.
    assertThat(fine.jensenShannon()).isEqualTo(exact.jensenShannon());
  }

  @Test
  void categoricalDistancesEqualThePlainJavaReferenceWithGrouping() {
    List<Row> rows = rows();
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
    for (int topK : new int[] {100, 3}) {
      CategoricalDrift got = DriftAggregates.categorical(df, List.of("lang"), topK).get(0);
      CategoricalDrift want = CategoricalDrift.compare("lang", categories(rows, "dev"), categories(rows, "prod"),
          nulls(rows, "dev", 3), nulls(rows, "prod", 3), topK);
      assertThat(got.devCounts()).isEqualTo(want.devCounts());
      assertThat(got.prodCounts()).isEqualTo(want.prodCounts());
      assertThat(got.devNulls()).isEqualTo(want.devNulls()).isPositive();
      assertThat(got.jensenShannon()).isEqualTo(want.jensenShannon());
      assertThat(got.lInfinity()).isEqualTo(want.lInfinity());
      assertThat(got.largestGapCategory()).isEqualTo(want.largestGapCategory());
    }
    assertThat(DriftAggregates.categorical(df, List.of("lang"), 3).get(0).prodCounts())
        .containsKey(CategoricalDrift.OTHER).hasSize(4);
  }

  @Test
  void anEmptySideHasCountsButNoDistances() {
    Dataset<Row> df = spark.createDataFrame(rows(), SCHEMA).where("side = 'dev'");
    NumericDrift n = DriftAggregates.numeric(df, List.of("x")).get(0);
    assertThat(n.prodCount()).isZero();
    assertThat(n.devCount()).isPositive();
    assertThat(n.jensenShannon()).isNull();
    assertThat(DriftAggregates.categorical(df, List.of("lang"), 100).get(0).lInfinity()).isNull();
  }

  @Test
  void aSideWhoseValuesAreAllNullHasNullCountsButNoDistancesAndNoError() {
    // Under ANSI mode a share over 0 non-null values was a division by zero (json_keys of texts
    // that are never JSON objects).
    Dataset<Row> df = spark.createDataFrame(rows(), SCHEMA)
        .selectExpr("side", "CASE WHEN side = 'dev' THEN lang END AS lang");
    CategoricalDrift c = DriftAggregates.categorical(df, List.of("lang"), 100).get(0);
    assertThat(c.prodCount()).isZero();
    assertThat(c.prodNulls()).isEqualTo(500);
    assertThat(c.devCount()).isPositive();
    assertThat(c.jensenShannon()).isNull();
  }

  @Test
  void badInputNamesTheColumnOrValue() {
    Dataset<Row> df = spark.createDataFrame(rows(), SCHEMA);
    assertThatThrownBy(() -> DriftAggregates.numeric(df, List.of("nope")))
        .hasMessageContaining("no feature column 'nope'");
    assertThatThrownBy(() -> DriftAggregates.numeric(df.drop("side"), List.of("x")))
        .hasMessageContaining("no column 'side'");
    assertThatThrownBy(() -> DriftAggregates.numeric(df.selectExpr("'eval' AS side", "x"), List.of("x")))
        .hasMessageContaining("holds 'eval'");
  }

  @Test
  void textFeatureSqlFunctionsAndColumnsMatchThePlainJavaFeatures() {
    FlywheelFunctions.register(spark);
    String text = "The kettle is quiet. Great value! {\"a\": 1}";
    Row r = spark.sql("SELECT flywheel_text_features('" + text.replace("'", "\\'") + "') AS f,"
        + " flywheel_json_keys('{\"b\": 1, \"a\": 2}') AS k, flywheel_is_empty(NULL) AS e,"
        + " flywheel_casing_profile('HELLO World') AS c, flywheel_oov_rate('the kettel') AS o").first();
    Row f = r.getStruct(0);
    TextFeatures.Profile p = TextFeatures.of(text);
    assertThat(f.getInt(f.fieldIndex("chars"))).isEqualTo(p.chars());
    assertThat(f.getInt(f.fieldIndex("sentences"))).isEqualTo(p.sentences());
    assertThat(f.getDouble(f.fieldIndex("title_share"))).isEqualTo(p.titleShare());
    assertThat(f.getString(f.fieldIndex("json_shape"))).isEqualTo("invalid");
    assertThat(f.getString(f.fieldIndex("language"))).isEqualTo("en");
    assertThat(r.<String>getList(1)).containsExactly("a", "b");
    assertThat(r.getBoolean(2)).isTrue();
    assertThat(r.getStruct(3).getDouble(1)).isEqualTo(0.5);
    assertThat(r.getDouble(4)).isEqualTo(0.5);

    Dataset<Row> texts = spark.createDataFrame(
        List.of(RowFactory.create("dev", "{\"summary\": \"x\", \"key_features\": []}"), RowFactory.create("prod", (Object) null)),
        StructType.fromDDL("side STRING, output STRING"));
    List<Row> cols = SkewFeatures.withTextFeatures(texts, "output", "out_").orderBy("side").collectAsList();
    Row dev = cols.get(0);
    assertThat(dev.getString(dev.fieldIndex("out_json_keys"))).isEqualTo("key_features,summary");
    assertThat(dev.getString(dev.fieldIndex("out_json_shape"))).isEqualTo("object");
    Row prod = cols.get(1);
    assertThat(prod.getBoolean(prod.fieldIndex("out_is_empty"))).isTrue();
    assertThat(prod.isNullAt(prod.fieldIndex("out_chars"))).isTrue();
  }
}
