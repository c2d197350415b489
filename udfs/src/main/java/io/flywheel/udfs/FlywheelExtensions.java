package io.flywheel.udfs;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.Tuple3;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Gives every session the Flywheel SQL functions from its configuration alone:
 * {@code spark.sql.extensions=io.flywheel.udfs.FlywheelExtensions} (in spark-defaults.conf, on
 * {@code spark-sql}/{@code spark-shell}/{@code spark-submit} with {@code --conf}, or on a notebook's
 * session builder), with the Flywheel jar on the classpath. See docs/functions.md.
 */
public final class FlywheelExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    for (SqlFunction f : FlywheelFunctions.all()) {
      extensions.injectFunction(new Tuple3<>(f.identifier(), f.info(), f.builder()));
    }
    return BoxedUnit.UNIT;
  }
}
