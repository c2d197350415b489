package io.flywheel.job;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.util.List;
import java.util.Map;

/**
 * A scheduled Flywheel job as {@link JobRunner} runs it: the runner owns the tables, the
 * {@code runs} row, dry runs, the failure policy and the run summary; a job only plans and executes.
 * The contract is written down in docs/jobs.md; {@link Jobs} lists every job.
 */
public interface Job {
  /** The command-line name, e.g. {@code summarize}; also its config section and its {@code job} column. */
  String name();

  /** One line for the usage text. */
  String description();

  /** The tables this job writes besides {@code runs}; the runner creates them before execution. */
  List<Table> tables();

  /** Where its settings are in the config; its name unless the section is nested (export-dataset: feedback.export). */
  default String configSection() {
    return name();
  }

  /**
   * The job's own command-line options (without {@code --}) and the config key each one sets, e.g.
   * {@code export-dataset --name N} sets {@code feedback.export.name}: {@code Main} turns them into
   * sets, so they are validated and hashed with the rest of the config.
   */
  default Map<String, String> options() {
    return Map.of();
  }

  /**
   * The config key that the job's one positional argument sets ({@code shadow-report NAME} sets
   * {@code eval.shadow_report.shadow}), or null when it takes none.
   */
  default String argument() {
    return null;
  }

  /** This job's config section, where the runner finds its failure policy. */
  FlywheelConfig.JobSettings settings(FlywheelConfig config);

  /**
   * Reads and checks the inputs and works out what the run will do, counting it into {@code log}
   * ({@code plan_*} counts) and printing the plan. Writes nothing: a dry run ends here. Bad inputs
   * are a {@link io.flywheel.config.ConfigException} naming the key.
   */
  Plan plan(RunContext ctx, RunLog log);

  /** What one run of a job will do; closing it releases what planning cached. */
  interface Plan extends AutoCloseable {
    /**
     * Does the planned work, counting outcomes into {@code log} (the counters of docs/jobs.md), and
     * writes through {@code writes}. Returns why the run failed beyond the failure ratio, or null.
     */
    String execute(RunLog log, TableWrites writes);

    @Override
    default void close() {}
  }
}
