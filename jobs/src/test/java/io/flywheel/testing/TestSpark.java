package io.flywheel.testing;

import io.flywheel.config.ConfigLoader;
import io.flywheel.fs.NioLocalFileSystem;
import io.flywheel.run.RunContext;
import io.flywheel.table.Warehouse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The one SparkSession of the test JVM (local[2], UI off, 2 shuffle partitions), run helpers, and
 * {@link #sql}/{@link #rows} to read results as plain Java values by column name.
 */
public final class TestSpark {
  private static SparkSession spark;

  private TestSpark() {}

  /**
   * The local file system without a chmod or readlink process per file and rename
   * ({@link NioLocalFileSystem}), as conf/spark-defaults.conf sets it; for the test session and the
   * JVMs that tests start, whose classpath holds the jobs module's classes.
   */
  public static final Map<String, String> LOCAL_FILE_SYSTEM = Map.of(
      "spark.hadoop.fs.file.impl", NioLocalFileSystem.class.getName(),
      "spark.hadoop.fs.AbstractFileSystem.file.impl", NioLocalFileSystem.Fs.class.getName());

  /**
   * Expressions interpreted, not compiled: on tiny data that costs less than compiling them with
   * Janino, and Spark checks that both give the same results (the factory mode is its own testing
   * switch). The jobs' own code is UDFs and column expressions, with no generated code of its own
   * (docs/testing.md#suite-time). For the test session and the short-lived cluster JVMs of SubmitIT,
   * where every executor would compile each generated class again.
   */
  public static final Map<String, String> INTERPRETED = Map.of(
      "spark.sql.codegen.wholeStage", "false",
      "spark.sql.codegen.factoryMode", "NO_CODEGEN");

  /**
   * Delta rebuilds a table's state (its files, protocol and metadata) in a Spark job of
   * {@code snapshotPartitions} tasks, 50 by default, on every first read of a table version. The
   * tests' tables have a few files each: 2 tasks, as conf/spark-defaults.conf sets it for local runs.
   * On SubmitIT's cluster the 50-task stages were over 90% of the tasks (shadow-report ran 3,469 tasks,
   * 3,200 of them in 64 such stages), and the test took 782 s alone against 518 s with 2.
   */
  public static final Map<String, String> SMALL_TABLES = Map.of("spark.databricks.delta.snapshotPartitions", "2");

  public static synchronized SparkSession session() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("flywheel-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
              .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
              .config(new java.util.HashMap<String, Object>(SMALL_TABLES))
              // Generated classes kept for reuse (default 100): the suite runs the same queries in every
              // run of a job, and compiling them again was a third of the JVM's time (docs/testing.md).
              .config("spark.sql.codegen.cache.maxEntries", "4000")
              .config(new java.util.HashMap<String, Object>(INTERPRETED))
              .config(new java.util.HashMap<String, Object>(LOCAL_FILE_SYSTEM))
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /**
   * The test JVM's module flags (the {@code spark.jvm.flags} property of the root pom.xml, which
   * Surefire and Failsafe pass on), for the JVMs that tests start.
   */
  public static List<String> jvmFlags() {
    List<String> flags = new ArrayList<>();
    for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Djdk.") || arg.startsWith("-Dio.netty")) {
        flags.add(arg);
      }
    }
    return flags;
  }

  /** The project's conf/ folder, from the jobs module's working directory. */
  public static Path confDir() {
    Path here = Path.of("").toAbsolutePath();
    Path conf = here.resolve("conf");
    return conf.toFile().isDirectory() ? conf : here.getParent().resolve("conf");
  }

  /** The overrides every test run needs: its own warehouse and catalog path. */
  public static List<String> baseSets(Path dir) {
    List<String> sets = new ArrayList<>();
    sets.add("warehouse.root=" + dir.resolve("warehouse"));
    sets.add("catalog.path=" + dir.resolve("catalog"));
    sets.add("summarize.prompts_dir=" + confDir().resolve("prompts"));
    sets.add("summarize.batch_size=200");
    return sets;
  }

  public static RunContext context(String job, Path dir, LocalDate runDate, boolean dryRun, List<String> extraSets) {
    List<String> sets = baseSets(dir);
    sets.addAll(extraSets);
    ConfigLoader.Loaded loaded = ConfigLoader.load(null, Map.of(), sets);
    SparkSession s = session();
    Warehouse wh = new Warehouse(s, loaded.config().warehouse().root(), "");
    return new RunContext(job, job + "-" + runDate + "-" + System.nanoTime(), runDate, dryRun, loaded, s, wh, Instant.now());
  }

  /** The rows of {@code query} on the shared session, as plain values (see {@link #rows}). */
  public static List<Map<String, Object>> sql(String query) {
    return rows(session().sql(query));
  }

  /**
   * Collects {@code df} into one map per row, column name to plain Java value, in column order, so
   * that tests read columns by name and compare values with {@code equals}. Arrays become {@link
   * List}, maps {@link Map}, structs {@link Map} (field name to value, recursively); {@code DATE}
   * becomes {@link LocalDate} and {@code TIMESTAMP} {@link Instant}; numbers, strings, booleans and
   * binary stay as Spark gives them ({@code INT} is {@link Integer}, {@code BIGINT} {@link Long},
   * {@code DOUBLE} {@link Double}, {@code BINARY} {@code byte[]}); SQL NULL is {@code null}. Order
   * the frame ({@code orderBy}) when the order of the rows matters.
   */
  public static List<Map<String, Object>> rows(Dataset<Row> df) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      out.add(plainRow(r));
    }
    return out;
  }

  private static Map<String, Object> plainRow(Row r) {
    Map<String, Object> m = new LinkedHashMap<>();
    String[] names = r.schema().fieldNames();
    for (int i = 0; i < names.length; i++) {
      if (m.containsKey(names[i])) {
        throw new IllegalArgumentException("column '" + names[i] + "' appears twice in " + r.schema().simpleString()
            + "; alias one of them to read them by name");
      }
      m.put(names[i], plain(r.get(i)));
    }
    return m;
  }

  private static Object plain(Object v) {
    if (v instanceof Row struct) {
      return plainRow(struct);
    }
    if (v instanceof scala.collection.Seq<?> seq) {
      List<Object> list = new ArrayList<>();
      for (Object e : CollectionConverters.asJava(seq)) {
        list.add(plain(e));
      }
      return list;
    }
    if (v instanceof scala.collection.Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : CollectionConverters.asJava(map).entrySet()) {
        out.put(plain(e.getKey()), plain(e.getValue()));
      }
      return out;
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate();
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toInstant();
    }
    return v;
  }
}
