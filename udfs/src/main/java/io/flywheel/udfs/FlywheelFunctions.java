package io.flywheel.udfs;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Registers Flywheel's SQL functions so analysts can call them in Spark SQL:
 * {@code fw_normalize(text)}, {@code fw_content_hash(array(fields...))}, {@code fw_redact_pii(text)},
 * {@code fw_pii_kinds(text)}, {@code fw_detect_language(text)}, {@code fw_prompt_injection(text)}, and the
 * {@code flywheel_*} text features ({@link TextFeatureFunctions}). See docs/functions.md.
 */
public final class FlywheelFunctions {
  private FlywheelFunctions() {}

  /** Registers every function in the session's function registry (idempotent). */
  public static void register(SparkSession spark) {
    spark.udf().register("fw_normalize", (UDF1<String, String>) TextNormalizer::normalize, DataTypes.StringType);
    spark.udf().register("fw_content_hash", (UDF1<Seq<String>, String>) FlywheelFunctions::contentHash, DataTypes.StringType);
    spark.udf().register("fw_redact_pii", (UDF1<String, String>) PiiRedactor::redact, DataTypes.StringType);
    spark.udf().register(
        "fw_pii_kinds",
        (UDF1<String, Seq<String>>) s -> CollectionConverters.asScala(PiiRedactor.kindsFound(s)).toSeq(),
        DataTypes.createArrayType(DataTypes.StringType));
    spark.udf().register("fw_detect_language", (UDF1<String, String>) LanguageDetector::detect, DataTypes.StringType);
    spark.udf().register("fw_prompt_injection", (UDF1<String, String>) PromptInjection::find, DataTypes.StringType);
    TextFeatureFunctions.register(spark);
  }

  static String contentHash(Seq<String> fields) {
    if (fields == null) {
      return null;
    }
    List<String> list = new ArrayList<>(CollectionConverters.asJava(fields));
    return Hashing.contentHash(list);
  }
}
