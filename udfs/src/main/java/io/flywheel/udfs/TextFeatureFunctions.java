package io.flywheel.udfs;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code flywheel_*} SQL functions over {@link TextFeatures}: one per feature, and
 * {@code flywheel_text_features(text)} returning every feature as one struct (one pass per row).
 * Called from {@link FlywheelFunctions#register}; documented in docs/functions.md.
 */
public final class TextFeatureFunctions {
  /** Type of {@code flywheel_casing_profile(text)}. */
  public static final StructType CASING_TYPE =
      StructType.fromDDL("lower DOUBLE, upper DOUBLE, title DOUBLE, mixed DOUBLE");

  /** Type of {@code flywheel_text_features(text)}: field names are the skew job's feature names. */
  public static final StructType TEXT_FEATURES_TYPE =
      StructType.fromDDL(
          "chars INT, words INT, est_tokens INT, sentences INT, non_letter_share DOUBLE,"
              + " lower_share DOUBLE, upper_share DOUBLE, title_share DOUBLE, mixed_share DOUBLE,"
              + " oov_rate DOUBLE, fragments INT, fragment_share DOUBLE, is_valid_json BOOLEAN,"
              + " json_shape STRING, json_keys ARRAY<STRING>, is_valid_xml BOOLEAN, language STRING,"
              + " has_pii BOOLEAN, is_empty BOOLEAN");

  private TextFeatureFunctions() {}

  /** Registers every text-feature function (idempotent). */
  public static void register(SparkSession spark) {
    reg(spark, "flywheel_char_count", TextFeatures::charCount, DataTypes.IntegerType);
    reg(spark, "flywheel_word_count", TextFeatures::wordCount, DataTypes.IntegerType);
    reg(spark, "flywheel_token_estimate", TextFeatures::estimatedTokens, DataTypes.IntegerType);
    reg(spark, "flywheel_sentence_count", TextFeatures::sentenceCount, DataTypes.IntegerType);
    reg(spark, "flywheel_non_letter_share", TextFeatures::nonLetterShare, DataTypes.DoubleType);
    reg(spark, "flywheel_casing_profile", TextFeatureFunctions::casingRow, CASING_TYPE);
    reg(spark, "flywheel_oov_rate", TextFeatures::oovRate, DataTypes.DoubleType);
    reg(spark, "flywheel_fragment_count", TextFeatures::fragmentCount, DataTypes.IntegerType);
    reg(spark, "flywheel_fragment_share", TextFeatures::fragmentShare, DataTypes.DoubleType);
    reg(spark, "flywheel_is_valid_json", TextFeatures::isValidJson, DataTypes.BooleanType);
    reg(spark, "flywheel_json_shape", TextFeatures::jsonShape, DataTypes.StringType);
    reg(spark, "flywheel_json_keys", (UDF1<String, Seq<String>>) s -> seq(TextFeatures.jsonKeys(s)),
        DataTypes.createArrayType(DataTypes.StringType));
    reg(spark, "flywheel_is_valid_xml", TextFeatures::isValidXml, DataTypes.BooleanType);
    reg(spark, "flywheel_language", TextFeatures::language, DataTypes.StringType);
    reg(spark, "flywheel_has_pii", TextFeatures::hasPii, DataTypes.BooleanType);
    reg(spark, "flywheel_is_empty", (UDF1<String, Boolean>) TextFeatures::isEmpty, DataTypes.BooleanType);
    reg(spark, "flywheel_text_features", TextFeatureFunctions::featuresRow, TEXT_FEATURES_TYPE);
  }

  /** {@link TextFeatures#of} as a row of {@link #TEXT_FEATURES_TYPE}. */
  public static Row featuresRow(String text) {
    TextFeatures.Profile p = TextFeatures.of(text);
    return RowFactory.create(
        p.chars(), p.words(), p.estimatedTokens(), p.sentences(), p.nonLetterShare(),
        p.lowerShare(), p.upperShare(), p.titleShare(), p.mixedShare(), p.oovRate(),
        p.fragments(), p.fragmentShare(), p.validJson(), p.jsonShape(), seq(p.jsonKeys()),
        p.validXml(), p.language(), p.hasPii(), p.empty());
  }

  static Row casingRow(String text) {
    TextFeatures.Casing c = TextFeatures.casingProfile(text);
    return c == null ? null : RowFactory.create(c.lower(), c.upper(), c.title(), c.mixed());
  }

  private static <R> void reg(SparkSession spark, String name, UDF1<String, R> f, DataType type) {
    spark.udf().register(name, f, type);
  }

  private static Seq<String> seq(List<String> list) {
    return list == null ? null : CollectionConverters.asScala(list).toSeq();
  }
}
