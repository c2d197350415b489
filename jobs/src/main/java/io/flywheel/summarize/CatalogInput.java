package io.flywheel.summarize;

import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reads the user's catalog (Delta, Parquet, JSON Lines or CSV) and checks the mapped columns exist. */
public final class CatalogInput {
  /** Column Spark fills with the text of a JSON/CSV line it cannot parse. */
  public static final String CORRUPT = "_corrupt_record";

  private CatalogInput() {}

  public static Dataset<Row> read(SparkSession spark, FlywheelConfig.Input input) {
    DataFrameReader reader = spark.read().format(input.format()).options(input.options());
    if (input.format().equals("json") || input.format().equals("csv")) {
      reader = reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT);
    }
    if (input.format().equals("csv")) {
      reader = reader.option("header", input.options().getOrDefault("header", "true")).option("multiLine", input.options().getOrDefault("multiLine", "true"));
    }
    Dataset<Row> df = load(reader, "summarize.input.path", input.format(), input.path(), "");
    checkColumns(df, input.columns());
    return df;
  }

  /**
   * {@code reader.load(path)}, with Spark's "cannot read it" (missing path, not that format) turned
   * into a config error naming {@code key}, followed by {@code hint}.
   */
  public static Dataset<Row> load(DataFrameReader reader, String key, String format, String path, String hint) {
    try {
      return reader.load(path);
    } catch (Exception e) {
      if (e.getClass().getSimpleName().equals("AnalysisException")) {
        throw new ConfigException("key '" + key + "': cannot read " + format + " at " + path + ": "
            + e.getMessage().lines().findFirst().orElse("") + hint, e);
      }
      throw e;
    }
  }

  /** Fails with the config key and column name when a mapped column is absent. */
  static void checkColumns(Dataset<Row> df, FlywheelConfig.Columns columns) {
    Set<String> present = Set.of(df.columns());
    List<String[]> wanted = new ArrayList<>();
    wanted.add(new String[] {"summarize.input.columns.id", columns.id()});
    wanted.add(new String[] {"summarize.input.columns.updated_at", columns.updatedAt()});
    for (String t : columns.text()) {
      wanted.add(new String[] {"summarize.input.columns.text", t});
    }
    if (!isBlank(columns.route())) {
      wanted.add(new String[] {"summarize.input.columns.route", columns.route()});
    }
    if (!isBlank(columns.brand())) {
      wanted.add(new String[] {"summarize.input.columns.brand", columns.brand()});
    }
    for (String[] w : wanted) {
      if (!present.contains(w[1])) {
        throw new ConfigException(
            "key '" + w[0] + "': column '" + w[1] + "' is not in the input (columns: "
                + Arrays.toString(df.columns()) + ")");
      }
    }
  }

  static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
