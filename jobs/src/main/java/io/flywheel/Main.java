package io.flywheel;

import io.flywheel.config.ConfigException;
import io.flywheel.config.ConfigLoader;
import io.flywheel.generate.GenerateJob;
import io.flywheel.generate.SkewGenerator;
import io.flywheel.job.Job;
import io.flywheel.job.JobRunner;
import io.flywheel.job.Jobs;
import io.flywheel.run.CliArgs;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.run.SparkSessions;
import io.flywheel.sql.SqlCommand;
import io.flywheel.summarize.ShadowRun;
import io.flywheel.summarize.SummarizeJob;
import io.flywheel.table.Table;
import io.flywheel.table.Warehouse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.logging.log4j.LogManager;
import org.apache.spark.sql.SparkSession;

/**
 * The one entry point: {@code flywheel <job> [--conf conf/x.yaml] [--run-date YYYY-MM-DD] [--set k=v]...}.
 * The same arguments work under {@code spark-submit --class io.flywheel.Main flywheel-jobs.jar <job> ...}.
 * The jobs are those of {@link Jobs}; {@code generate}, {@code demo}, {@code sql}, {@code jobs} and {@code notebook} are commands.
 */
public final class Main {
  private Main() {}

  /** The usage text, with every registered job. */
  static String usage() {
    StringBuilder sb = new StringBuilder(
        """
        usage: flywheel <job> [--conf FILE] [--run-date YYYY-MM-DD] [--run-id ID] [--set key=value]... [--dry-run] [--verbose]
        jobs:
        """);
    for (Job j : Jobs.ALL) {
      sb.append(String.format(Locale.ROOT, "  %-15s %s%n", j.name(), j.description()));
    }
    sb.append(
        """
        commands:
          generate  --items N --seed S [--mutate FRACTION --mutate-seed S] [--format delta|parquet|json|csv] [--out PATH]
                    [--users N [--purchases-out PATH]]  also purchase histories of N users
          generate  --skew [--out DIR] [--dev-rows N --prod-rows N --seed S]  dev/prod pairs for the skew job
          generate  --feedback [--seed S] [--out PATH]  feedback events for the calls in llm_calls (to feedback.events_path)
          forget-user --user U [--purge]  remove a user's feedback events and the examples derived from them
          demo      generate a sample catalog (first time only), summarize it, show a few summaries
          sql       [--limit N] [--out FILE --format csv|json|parquet] "<query>"
                    Spark SQL over the warehouse tables and Flywheel's SQL functions
          jobs      [--json] [--out FILE]  the registered jobs, the tables each writes, and its config section
          notebook  install-kernel [--prefix DIR | --dir DIR]  the Jupyter kernel over the warehouse (docs/notebooks.md)
          notebook  run <notebook.ipynb|folder>... [--out DIR]  execute notebooks, fail on an error or an empty result
        exit codes: 0 success, 1 the job failed, 2 bad usage, config or input
        """);
    return sb.toString();
  }

  public static void main(String[] args) {
    // Spark keeps non-daemon threads: without an explicit exit a finished job would hang its launcher.
    System.exit(execute(args, System.err));
  }

  /**
   * Runs {@code args} and returns the exit code; every error is one {@code flywheel:} line on
   * {@code err} (the full trace goes to the log file): 2 for bad usage, config or input (nothing was
   * written), 1 when the job failed.
   */
  public static int execute(String[] args, java.io.PrintStream err) {
    try {
      return run(args);
    } catch (ConfigException e) {
      err.println("flywheel: config error: " + e.getMessage());
      logTrace(e);
      return 2;
    } catch (io.flywheel.run.UsageError e) {
      err.println("flywheel: " + e.getMessage());
      logTrace(e);
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("flywheel: " + e.getMessage());
      err.print(usage());
      return 2;
    } catch (Exception e) {
      // Exception: a failed Spark task surfaces as the checked SparkException, which must also end in
      // one line and an exit code (an exception out of main would leave Spark's threads holding the JVM).
      err.println("flywheel: failed: " + e.getClass().getSimpleName() + ": "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + logHint());
      logTrace(e);
      return 1;
    }
  }

  /** The full trace goes to the log file (and, with --verbose, the console), never only to stdout. */
  private static void logTrace(Exception e) {
    LogManager.getLogger(Main.class).error("flywheel stopped", e);
  }

  private static String logHint() {
    String file = System.getProperty("flywheel.log.file");
    return file == null ? "" : " (full trace in " + file + ")";
  }

  /** Runs a job or command and returns its exit code (0 ok, 1 the job failed, 2 bad usage or config). */
  public static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      System.out.print(usage());
      return args.length == 0 ? 2 : 0;
    }
    CliArgs cli = CliArgs.parse(args);
    if (cli.verbose()) {
      // Read by conf/log4j2.properties: Spark's and Delta's logs come back to the console.
      System.setProperty("flywheel.console.level", "info");
    }
    if (cli.job().equals("jobs")) {
      String text = cli.options().containsKey("json") ? jobsJson() : jobsText();
      String out = cli.option("out", null);
      if (out == null) {
        System.out.print(text);
      } else {
        try {
          java.nio.file.Files.writeString(Path.of(out), text);
        } catch (java.io.IOException e) {
          throw new io.flywheel.run.UsageError("jobs: cannot write " + out + ": " + e.getMessage(), e);
        }
      }
      return 0;
    }
    if (cli.job().equals("notebook")) {
      // Not a job: it starts Jupyter kernels (each with its own Spark session), not Spark here.
      return io.flywheel.notebook.NotebookCommand.run(cli);
    }
    Job job = Jobs.byName(cli.job()).orElse(null);
    if (job == null && !List.of("generate", "sql", "demo", "forget-user").contains(cli.job())) {
      throw new IllegalArgumentException("unknown job '" + cli.job() + "'");
    }
    Path confFile = cli.conf() == null ? null : Path.of(cli.conf());
    List<String> sets = withOptionSets(cli);
    ConfigLoader.Loaded loaded = ConfigLoader.load(confFile, System.getenv(), sets);
    // summarize --shadow NAME: the same config with the candidate's changes and a warehouse of its own.
    loaded = !cli.job().equals("summarize") ? loaded : ShadowRun.resolve(loaded, extra -> ConfigLoader.load(confFile, System.getenv(),
        java.util.stream.Stream.concat(sets.stream(), extra.stream()).toList()));
    SparkSession spark = SparkSessions.getOrCreate("flywheel-" + cli.job());
    Warehouse wh = new Warehouse(spark, loaded.config().warehouse().root(), loaded.config().warehouse().database());
    String runId = cli.runId() != null ? cli.runId() : cli.job() + "-" + cli.runDate() + "-" + UUID.randomUUID().toString().substring(0, 8);
    RunContext ctx = new RunContext(cli.job(), runId, cli.runDate(), cli.dryRun(), loaded, spark, wh, Instant.now());
    if (job != null) {
      return exitCode(JobRunner.run(job, ctx));
    }
    return switch (cli.job()) {
      case "forget-user" -> exitCode(JobRunner.run(
          new io.flywheel.feedback.ForgetUserJob(cli.option("user", null), cli.options().containsKey("purge")), ctx));
      case "generate" -> {
        if (cli.options().containsKey("skew")) {
          SkewGenerator.run(spark, cli, ctx.runDate(), loaded.config());
          yield 0;
        }
        if (cli.options().containsKey("feedback")) {
          GenerateJob.runFeedback(spark, cli, wh, loaded.config().feedback());
          yield 0;
        }
        GenerateJob.run(spark, cli, loaded.config().catalog());
        GenerateJob.runPurchases(spark, cli, loaded.config().recommend().purchasesPath());
        yield 0;
      }
      case "demo" -> demo(ctx, cli);
      default -> SqlCommand.run(spark, wh, cli);
    };
  }

  /**
   * The sets that a job's own options stand for ({@link Job#options}): {@code export-dataset --name N
   * --from-manifest F} are {@code feedback.export.name} and {@code feedback.export.from_manifest}, so
   * they are validated and hashed with the rest of the config. In command-line order; explicit
   * {@code --set}s come last and win.
   */
  static List<String> withOptionSets(CliArgs cli) {
    Map<String, String> keys = Jobs.byName(cli.job()).map(Job::options).orElse(Map.of());
    List<String> sets = new java.util.ArrayList<>();
    String argument = Jobs.byName(cli.job()).map(Job::argument).orElse(null);
    if (argument != null && !cli.positional().isEmpty()) {
      if (cli.positional().size() > 1) {
        throw new IllegalArgumentException(cli.job() + " takes one argument, was given " + cli.positional());
      }
      sets.add(argument + "=" + cli.positional().get(0));
    }
    cli.options().forEach((option, value) -> {
      if (keys.containsKey(option)) {
        sets.add(keys.get(option) + "=" + value);
      }
    });
    sets.addAll(cli.sets());
    return sets;
  }

  /** Generate (once), summarize, then show what was written: the README's first command. */
  private static int demo(RunContext ctx, CliArgs cli) {
    String input = ctx.config().catalog().path();
    if (!io.delta.tables.DeltaTable.isDeltaTable(ctx.spark(), input)) {
      GenerateJob.run(ctx.spark(), cli, ctx.config().catalog());
    } else {
      System.out.println("demo: reusing the sample catalog at " + input + " (delete it to start over)");
    }
    RunLog log = JobRunner.run(new SummarizeJob(), new RunContext("summarize", ctx.runId(), ctx.runDate(), ctx.dryRun(),
        ctx.loaded(), ctx.spark(), ctx.warehouse(), ctx.startedAt()));
    System.out.println();
    System.out.println("A few summaries (bin/flywheel sql \"SELECT ... FROM summaries\" for more):");
    SqlCommand.print(ctx.spark(), ctx.warehouse(),
        "SELECT item_id, prompt_id, summary, key_features FROM summaries ORDER BY item_id LIMIT 5", 5);
    System.out.println();
    System.out.println("Guardrail rejections and failures of this run, by reason:");
    SqlCommand.print(ctx.spark(), ctx.warehouse(),
        "SELECT status, error_class, count(*) AS calls FROM llm_calls WHERE run_id = '" + ctx.runId()
            + "' GROUP BY status, error_class ORDER BY calls DESC", 100);
    return exitCode(log);
  }

  private static int exitCode(RunLog log) {
    return log.status().equals("failed") ? 1 : 0;
  }

  static String jobsText() {
    StringBuilder sb = new StringBuilder();
    for (Job j : Jobs.ALL) {
      sb.append(String.format(Locale.ROOT, "%-10s %s%n           writes: %s, runs; config: %s.*%n", j.name(),
          j.description(), String.join(", ", j.tables().stream().map(Table::tableName).toList()), j.configSection()));
    }
    return sb.toString();
  }

  /** The registry as JSON, for tools that cannot run Java classes (the Airflow DAG tests read it). */
  static String jobsJson() {
    StringBuilder sb = new StringBuilder("{\"main_class\": \"" + Main.class.getName() + "\", \"jobs\": [");
    for (int i = 0; i < Jobs.ALL.size(); i++) {
      Job j = Jobs.ALL.get(i);
      sb.append(i == 0 ? "" : ", ").append("{\"name\": \"").append(j.name()).append("\", \"config_section\": \"")
          .append(j.configSection()).append("\", \"tables\": [");
      List<String> names = j.tables().stream().map(t -> "\"" + t.tableName() + "\"").toList();
      sb.append(String.join(", ", names)).append("]}");
    }
    sb.append("], \"commands\": [\"generate\", \"demo\", \"sql\", \"jobs\", \"forget-user\"]}\n");
    return sb.toString();
  }
}
