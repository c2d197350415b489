package io.flywheel.run;

import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.table.Warehouse;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;

/** What every job run knows: its identity, its config, the session and the warehouse. */
public record RunContext(
    String job,
    String runId,
    LocalDate runDate,
    boolean dryRun,
    ConfigLoader.Loaded loaded,
    SparkSession spark,
    Warehouse warehouse,
    Instant startedAt) {

  public FlywheelConfig config() {
    return loaded.config();
  }
}
