package io.flywheel.testing;

import io.flywheel.config.ConfigLoader;
import io.flywheel.run.RunContext;
import io.flywheel.table.Warehouse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The one SparkSession of the test JVM (local[2], UI off, 2 shuffle partitions), and run helpers. */
public final class TestSpark {
  private static SparkSession spark;

  private TestSpark() {}

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
              .config("spark.databricks.delta.snapshotPartitions", "2")
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /** The test JVM's module flags (see RECIPES.md), for the JVMs that tests start. */
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
}
