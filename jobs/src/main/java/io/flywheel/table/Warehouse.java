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
  /** Tables whose schema this process has already brought up to date. */
  private final java.util.Set<Table> checked = java.util.EnumSet.noneOf(Table.class);

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

  /**
   * Fails with a config error naming {@code warehouse.root} when a local root cannot be created or
   * written (for example a path under a regular file). Remote roots are checked by their first write.
   */
  /** A local path given as a plain path or a {@code file:} URI, as a {@link java.nio.file.Path}. */
  public static java.nio.file.Path localPath(String path) {
    return java.nio.file.Path.of(path.startsWith("file:") ? java.net.URI.create(path).getPath() : path);
  }

  public void checkWritable() {
    if (root.contains("://") && !root.startsWith("file:")) {
      return;
    }
    java.nio.file.Path p = localPath(root);
    java.nio.file.Path existing = p;
    while (existing != null && !java.nio.file.Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return;
    }
    if (!java.nio.file.Files.isDirectory(existing)) {
      throw new io.flywheel.config.ConfigException("key 'warehouse.root': " + root + " cannot be a folder: "
          + existing + " is a file");
    }
    if (!java.nio.file.Files.isWritable(existing)) {
      throw new io.flywheel.config.ConfigException("key 'warehouse.root': " + existing + " is not writable");
    }
  }

  /**
   * Creates the table with its schema, partitioning, properties and comments (from
   * {@link TableDocs}) when it does not exist yet; an existing table made by an earlier version gets
   * the columns added since (never removed or changed) and the comments written since. With
   * {@code warehouse.database} set, the table is also registered in the catalog as
   * {@code <database>.<name>}.
   */
  public DeltaTable ensure(Table table) {
    if (exists(table)) {
      if (checked.add(table)) {
        addMissingColumns(table);
        updateComments(table);
        registerInCatalog(table);
      }
    } else {
      var builder =
          DeltaTable.createIfNotExists(spark).location(path(table)).addColumns(TableDocs.commentedSchema(table));
      String comment = TableDocs.tableComment(table);
      if (comment != null) {
        builder = builder.comment(comment);
      }
      if (!table.partitionBy().isEmpty()) {
        builder = builder.partitionedBy(table.partitionBy().toArray(String[]::new));
      }
      for (Map.Entry<String, String> p : table.properties().entrySet()) {
        builder = builder.property(p.getKey(), p.getValue());
      }
      builder.execute();
      checked.add(table);
      registerInCatalog(table);
    }
    return DeltaTable.forPath(spark, path(table));
  }

  private void registerInCatalog(Table table) {
    if (!database.isEmpty()) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
      spark.sql(
          "CREATE TABLE IF NOT EXISTS " + database + "." + table.tableName()
              + " USING DELTA LOCATION '" + path(table) + "'");
    }
  }

  /** Writes the comments of {@link TableDocs} that the table does not have yet (one commit each). */
  private void updateComments(Table table) {
    if (TableDocs.of(table).isEmpty()) {
      return;
    }
    String ref = "delta.`" + path(table) + "`";
    String want = TableDocs.tableComment(table);
    if (want != null) {
      Row detail = DeltaTable.forPath(spark, path(table)).detail().select("description").first();
      if (!want.equals(detail.isNullAt(0) ? null : detail.getString(0))) {
        spark.sql("ALTER TABLE " + ref + " SET TBLPROPERTIES ('comment' = " + literal(want) + ")");
      }
    }
    java.util.Map<String, org.apache.spark.sql.types.StructField> have = new java.util.HashMap<>();
    for (org.apache.spark.sql.types.StructField f : read(table).schema().fields()) {
      have.put(f.name(), f);
    }
    for (org.apache.spark.sql.types.StructField f : TableDocs.commentedSchema(table).fields()) {
      org.apache.spark.sql.types.StructField current = have.get(f.name());
      if (f.getComment().isDefined() && current != null && !f.getComment().equals(current.getComment())) {
        spark.sql("ALTER TABLE " + ref + " ALTER COLUMN `" + f.name() + "` COMMENT " + literal(f.getComment().get()));
      }
    }
  }

  private static String literal(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private void addMissingColumns(Table table) {
    java.util.Set<String> have = java.util.Set.of(read(table).schema().fieldNames());
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : table.schema().fields()) {
      if (!have.contains(f.name())) {
        missing.add("`" + f.name() + "` " + f.dataType().sql());
      }
    }
    if (!missing.isEmpty()) {
      spark.sql("ALTER TABLE delta.`" + path(table) + "` ADD COLUMNS (" + String.join(", ", missing) + ")");
    }
  }

  public Dataset<Row> read(Table table) {
    return spark.read().format("delta").load(path(table));
  }

  /** The table's rows, or an empty frame with its schema when it does not exist yet. */
  public Dataset<Row> readOrEmpty(Table table) {
    return exists(table) ? read(table) : spark.createDataFrame(java.util.List.of(), table.schema());
  }

  /**
   * Registers every existing table as a temporary view named after it, for {@code flywheel sql};
   * returns how many there were.
   */
  public int registerViews() {
    int n = 0;
    for (Table t : Table.values()) {
      if (exists(t)) {
        read(t).createOrReplaceTempView(t.tableName());
        n++;
      }
    }
    return n;
  }
}
