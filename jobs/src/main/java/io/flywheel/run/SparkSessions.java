package io.flywheel.run;

import io.flywheel.udfs.FlywheelExtensions;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the job's SparkSession with Delta enabled. The master comes from {@code spark-submit} or
 * {@code -Dspark.master}; only when neither is set does it default to {@code local[*]}, so that code
 * never overrides {@code --master}. Tuning belongs in {@code conf/spark-defaults.conf}.
 */
public final class SparkSessions {
  /** Spark conf keys and values matching this are hidden in the Spark UI and event logs. */
  public static final String REDACTION_REGEX = "(?i)secret|password|token|api[_.-]?key|access[_.-]?key|authorization";

  private SparkSessions() {}

  public static SparkSession getOrCreate(String appName) {
    SparkConf conf = new SparkConf();
    SparkSession.Builder b =
        SparkSession.builder()
            .appName(appName)
            // Flywheel's SQL functions in every job's session, as any session gets them (docs/functions.md).
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension," + FlywheelExtensions.class.getName())
            .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    if (!conf.contains("spark.master")) {
      b = b.master("local[*]");
    }
    if (!conf.contains("spark.redaction.regex")) {
      // Keep anything that looks like a credential out of the Spark UI and event logs.
      b = b.config("spark.redaction.regex", REDACTION_REGEX);
    }
    return b.getOrCreate();
  }
}
