package io.flywheel.llm;

import io.flywheel.config.FlywheelConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * How many executor JVMs share the job's rate limit, decided on the driver: each JVM then paces
 * itself to {@code limit / executors} (see docs/providers.md#rate-limits). In order: {@code
 * llm.rate_limit.executors}; 1 in local mode; {@code spark.dynamicAllocation.maxExecutors} with
 * dynamic allocation; {@code spark.executor.instances}; else the executors registered now.
 */
public final class RateShare {
  private RateShare() {}

  public static int executors(SparkContext sc, FlywheelConfig.RateLimit rl) {
    if (rl.executors() > 0) {
      return rl.executors();
    }
    if (sc.isLocal()) {
      return 1;
    }
    SparkConf conf = sc.getConf();
    if (conf.getBoolean("spark.dynamicAllocation.enabled", false) && conf.contains("spark.dynamicAllocation.maxExecutors")) {
      return Math.max(1, conf.getInt("spark.dynamicAllocation.maxExecutors", 1));
    }
    if (conf.contains("spark.executor.instances")) {
      return Math.max(1, conf.getInt("spark.executor.instances", 1));
    }
    // The driver's own entry is in the list too.
    return Math.max(1, sc.statusTracker().getExecutorInfos().length - 1);
  }
}
