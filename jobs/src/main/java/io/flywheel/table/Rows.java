package io.flywheel.table;

import java.util.List;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Row values in the form Spark's row encoders accept: arrays as Scala sequences. */
public final class Rows {
  private Rows() {}

  public static <T> Seq<T> seq(List<T> list) {
    return list == null ? null : CollectionConverters.asScala(list).toList();
  }
}
