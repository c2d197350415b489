package io.flywheel;

import io.flywheel.config.ConfigException;
import io.flywheel.config.ConfigLoader;
import io.flywheel.generate.GenerateJob;
import io.flywheel.recommend.RecommendJob;
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
                  [--users N [--purchases-out PATH]]  also purchase histories of N users
        demo      generate a sample catalog (first time only), summarize it, show a few summaries
        summarize summarize the catalog; only cache misses reach the model
        recommend suggest catalog items to each user from their purchase history
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
    } catch (RuntimeException e) {
      // Spark keeps non-daemon threads: without an explicit exit a failed job would hang its launcher.
      e.printStackTrace();
      System.err.println("flywheel: failed: " + e.getClass().getSimpleName() + ": "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      code = 1;
    }
    System.exit(code);
  }

  /** Runs a job and returns its exit code (0 ok, 1 the job failed, 2 bad usage or config). */
  public static int run(String[] args) {
    CliArgs cli = CliArgs.parse(args);
    ConfigLoader.Loaded loaded =
        ConfigLoader.load(cli.conf() == null ? null : Path.of(cli.conf()), System.getenv(), cli.sets());
    switch (cli.job()) {
      case "generate", "summarize", "recommend", "sql", "demo" -> {}
      default -> throw new IllegalArgumentException("unknown job '" + cli.job() + "'");
    }
    SparkSession spark = SparkSessions.getOrCreate("flywheel-" + cli.job());
    Warehouse wh = new Warehouse(spark, loaded.config().warehouse().root(), loaded.config().warehouse().database());
    String runId = cli.runId() != null ? cli.runId() : cli.job() + "-" + cli.runDate() + "-" + UUID.randomUUID().toString().substring(0, 8);
    RunContext ctx = new RunContext(cli.job(), runId, cli.runDate(), cli.dryRun(), loaded, spark, wh, Instant.now());
    return switch (cli.job()) {
      case "generate" -> {
        GenerateJob.run(spark, cli, loaded.config().summarize().input().path());
        GenerateJob.runPurchases(spark, cli, loaded.config().recommend().purchasesPath());
        yield 0;
      }
      case "summarize" -> {
        yield exitCode(SummarizeJob.run(ctx));
      }
      case "recommend" -> exitCode(RecommendJob.run(ctx));
      case "demo" -> demo(ctx, cli);
      default -> sql(spark, wh, cli.positional());
    };
  }

  private static String format(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof scala.collection.Iterable<?> it) {
      return it.mkString("[", ", ", "]");
    }
    return String.valueOf(v).replace('\t', ' ').replace('\n', ' ');
  }

  /** Generate (once), summarize, then show what was written: the README's first command. */
  private static int demo(RunContext ctx, CliArgs cli) {
    String input = ctx.config().summarize().input().path();
    if (!io.delta.tables.DeltaTable.isDeltaTable(ctx.spark(), input)) {
      GenerateJob.run(ctx.spark(), cli, input);
    } else {
      System.out.println("demo: reusing the sample catalog at " + input + " (delete it to start over)");
    }
    RunLog log = SummarizeJob.run(ctx);
    System.out.println();
    System.out.println("A few summaries (bin/flywheel sql \"SELECT ... FROM summaries\" for more):");
    sql(ctx.spark(), ctx.warehouse(), List.of(
        "SELECT item_id, prompt_id, summary, key_features FROM summaries ORDER BY item_id LIMIT 5"));
    System.out.println();
    System.out.println("Guardrail rejections and failures of this run, by reason:");
    sql(ctx.spark(), ctx.warehouse(), List.of(
        "SELECT status, error_class, count(*) AS calls FROM llm_calls WHERE run_id = '" + ctx.runId()
            + "' GROUP BY status, error_class ORDER BY calls DESC"));
    return exitCode(log);
  }

  private static int exitCode(RunLog log) {
    return log.status().equals("failed") ? 1 : 0;
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
        sb.append(format(r.isNullAt(i) ? null : r.get(i)));
      }
      System.out.println(sb);
    }
    return 0;
  }
}
