package io.flywheel.table;

import io.delta.tables.DeltaTable;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The folder (local or {@code s3a://}) that holds Flywheel's Delta tables, and how to reach them. */
public final class Warehouse {
  private final SparkSession spark;
  private final String root;
  private final String database;

  public Warehouse(SparkSession spark, String root, String database) {
    this.spark = spark;
    String r = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    // A plain folder becomes absolute, so that table paths do not depend on how Spark resolves "./".
    this.root = r.contains("://") || r.startsWith("file:") ? r : java.nio.file.Path.of(r).toAbsolutePath().normalize().toString();
    this.database = database == null ? "" : database;
  }

  public String root() {
    return root;
  }

  /** The one place a table path is spelled. */
  public String path(Table table) {
    return root + "/" + table.tableName();
  }

  public boolean exists(Table table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  /** Creates the table with its schema, partitioning and properties when it does not exist yet. */
  public DeltaTable ensure(Table table) {
    if (!exists(table)) {
      var builder =
          DeltaTable.createIfNotExists(spark).location(path(table)).addColumns(table.schema());
      if (!table.partitionBy().isEmpty()) {
        builder = builder.partitionedBy(table.partitionBy().toArray(String[]::new));
      }
      for (Map.Entry<String, String> p : table.properties().entrySet()) {
        builder = builder.property(p.getKey(), p.getValue());
      }
      builder.execute();
      if (!database.isEmpty()) {
        spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
        spark.sql(
            "CREATE TABLE IF NOT EXISTS " + database + "." + table.tableName()
                + " USING DELTA LOCATION '" + path(table) + "'");
      }
    }
    return DeltaTable.forPath(spark, path(table));
  }

  public Dataset<Row> read(Table table) {
    return spark.read().format("delta").load(path(table));
  }

  /** The table's rows, or an empty frame with its schema when it does not exist yet. */
  public Dataset<Row> readOrEmpty(Table table) {
    return exists(table) ? read(table) : spark.createDataFrame(java.util.List.of(), table.schema());
  }

  /** Registers every existing table as a temporary view named after it, for {@code flywheel sql}. */
  public void registerViews() {
    for (Table t : Table.values()) {
      if (exists(t)) {
        read(t).createOrReplaceTempView(t.tableName());
      }
    }
  }
}
