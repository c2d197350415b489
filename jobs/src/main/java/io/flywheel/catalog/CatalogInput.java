package io.flywheel.catalog;

import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a table the user brings (the catalog, purchases, evaluation sets) as Delta, Parquet, JSON
 * Lines or CSV, and turns every way it can be unusable into a config error naming the key: a path
 * that does not exist, a folder of another format, an empty input, a missing mapped column. These
 * checks run before a job creates or writes anything.
 */
public final class CatalogInput {
  /** Column Spark fills with the text of a JSON/CSV line it cannot parse. */
  public static final String CORRUPT = "_corrupt_record";

  private CatalogInput() {}

  /** The catalog of {@code catalog.*}, with every mapped column checked. */
  public static Dataset<Row> read(SparkSession spark, FlywheelConfig.Catalog catalog) {
    Dataset<Row> df = load(spark, "catalog.path", catalog.format(), catalog.path(), catalog.options(),
        " (bin/flywheel generate writes a sample catalog)");
    checkColumns(df, catalog.columns());
    return df;
  }

  /**
   * Reads {@code path} as {@code format}; anything that makes it unreadable is a config error naming
   * {@code key}, followed by {@code hint}.
   */
  public static Dataset<Row> load(
      SparkSession spark, String key, String format, String path, Map<String, String> options, String hint) {
    checkExists(spark, key, format, path, hint);
    DataFrameReader reader = spark.read().format(format).options(options);
    if (format.equals("json") || format.equals("csv")) {
      reader = reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT);
    }
    if (format.equals("csv")) {
      reader = reader.option("header", options.getOrDefault("header", "true"))
          .option("multiLine", options.getOrDefault("multiLine", "true"));
    }
    Dataset<Row> df;
    try {
      df = reader.load(path);
    } catch (Exception e) {
      if (e.getClass().getSimpleName().equals("AnalysisException")) {
        throw new ConfigException("key '" + key + "': cannot read " + format + " at " + path + ": "
            + e.getMessage().lines().findFirst().orElse("") + hint, e);
      }
      throw e;
    }
    if (df.columns().length == 0 || (df.columns().length == 1 && df.columns()[0].equals(CORRUPT))) {
      throw new ConfigException("key '" + key + "': the " + format + " input at " + path
          + " is empty (no rows, so no columns to read)" + hint);
    }
    return df;
  }

  /**
   * Fails fast, before Spark plans a read, when {@code path} is missing or is not of {@code format}:
   * Spark's own errors for these come late (after the warehouse is set up) and with long traces.
   */
  static void checkExists(SparkSession spark, String key, String format, String path, String hint) {
    boolean local = !path.contains("://") || path.startsWith("file:");
    if (local) {
      java.nio.file.Path p = io.flywheel.table.Warehouse.localPath(path);
      if (!java.nio.file.Files.exists(p)) {
        throw new ConfigException("key '" + key + "': " + path + " does not exist" + hint);
      }
      if (!java.nio.file.Files.isReadable(p)) {
        throw new ConfigException("key '" + key + "': " + path + " is not readable");
      }
    }
    if (format.equals("delta") && !io.delta.tables.DeltaTable.isDeltaTable(spark, path)) {
      throw new ConfigException("key '" + key + "': " + path + " is not a Delta table (no _delta_log in it;"
          + " set the matching format key if it is Parquet, JSON Lines or CSV)" + hint);
    }
  }

  /** Fails with the config key and column name when a mapped column is absent. */
  static void checkColumns(Dataset<Row> df, FlywheelConfig.CatalogColumns columns) {
    Set<String> present = Set.of(df.columns());
    List<String[]> wanted = new ArrayList<>();
    wanted.add(new String[] {"catalog.columns.id", columns.id()});
    wanted.add(new String[] {"catalog.columns.updated_at", columns.updatedAt()});
    wanted.add(new String[] {"catalog.columns.title", columns.title()});
    for (String t : columns.text()) {
      wanted.add(new String[] {"catalog.columns.text", t});
    }
    if (!isBlank(columns.category())) {
      wanted.add(new String[] {"catalog.columns.category", columns.category()});
    }
    if (!isBlank(columns.brand())) {
      wanted.add(new String[] {"catalog.columns.brand", columns.brand()});
    }
    for (String[] w : wanted) {
      if (!present.contains(w[1])) {
        throw new ConfigException(
            "key '" + w[0] + "': column '" + w[1] + "' is not in the input (columns: "
                + Arrays.toString(df.columns()) + ")");
      }
    }
  }

  public static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
