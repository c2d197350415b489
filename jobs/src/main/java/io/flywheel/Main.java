package io.flywheel;

import io.flywheel.config.ConfigException;
import io.flywheel.config.ConfigLoader;
import io.flywheel.generate.GenerateJob;
import io.flywheel.run.CliArgs;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.run.SparkSessions;
import io.flywheel.summarize.SummarizeJob;
import io.flywheel.table.Warehouse;
import io.flywheel.udfs.FlywheelFunctions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The one entry point: {@code flywheel <job> [--conf conf/x.yaml] [--run-date YYYY-MM-DD] [--set k=v]...}.
 * The same arguments work under {@code spark-submit --class io.flywheel.Main flywheel-jobs.jar <job> ...}.
 */
public final class Main {
  static final String USAGE =
      """
      usage: flywheel <job> [--conf FILE] [--run-date YYYY-MM-DD] [--run-id ID] [--set key=value]... [--dry-run]
      jobs:
        generate  --items N --seed S [--mutate FRACTION --mutate-seed S] [--format delta|parquet|json|csv] [--out PATH]
        summarize summarize the catalog; only cache misses reach the model
        sql       "<query>"  Spark SQL over the warehouse tables and Flywheel's SQL functions
      """;

  private Main() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (ConfigException e) {
      System.err.println("flywheel: config error: " + e.getMessage());
      code = 2;
    } catch (IllegalArgumentException e) {
      System.err.println("flywheel: " + e.getMessage());
      System.err.print(USAGE);
      code = 2;
    }
    System.exit(code);
  }

  /** Runs a job and returns its exit code (0 ok, 1 the job failed, 2 bad usage or config). */
  public static int run(String[] args) {
    CliArgs cli = CliArgs.parse(args);
    ConfigLoader.Loaded loaded =
        ConfigLoader.load(cli.conf() == null ? null : Path.of(cli.conf()), System.getenv(), cli.sets());
    switch (cli.job()) {
      case "generate", "summarize", "sql" -> {}
      default -> throw new IllegalArgumentException("unknown job '" + cli.job() + "'");
    }
    SparkSession spark = SparkSessions.getOrCreate("flywheel-" + cli.job());
    Warehouse wh = new Warehouse(spark, loaded.config().warehouse().root(), loaded.config().warehouse().database());
    String runId = cli.runId() != null ? cli.runId() : cli.job() + "-" + cli.runDate() + "-" + UUID.randomUUID().toString().substring(0, 8);
    RunContext ctx = new RunContext(cli.job(), runId, cli.runDate(), cli.dryRun(), loaded, spark, wh, Instant.now());
    return switch (cli.job()) {
      case "generate" -> {
        GenerateJob.run(spark, cli, loaded.config().summarize().input().path());
        yield 0;
      }
      case "summarize" -> {
        RunLog log = SummarizeJob.run(ctx);
        yield (int) log.get("exit_code");
      }
      default -> sql(spark, wh, cli.positional());
    };
  }

  private static int sql(SparkSession spark, Warehouse wh, List<String> query) {
    if (query.isEmpty()) {
      throw new IllegalArgumentException("sql needs a query");
    }
    FlywheelFunctions.register(spark);
    wh.registerViews();
    var df = spark.sql(String.join(" ", query));
    List<Row> rows = df.takeAsList(1000);
    System.out.println(String.join("\t", df.columns()));
    for (Row r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length(); i++) {
        if (i > 0) {
          sb.append('\t');
        }
        sb.append(r.isNullAt(i) ? "NULL" : String.valueOf(r.get(i)));
      }
      System.out.println(sb);
    }
    return 0;
  }
}
