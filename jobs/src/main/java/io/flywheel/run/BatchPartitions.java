package io.flywheel.run;

import java.io.Serializable;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import scala.runtime.AbstractFunction1;

/** A view of partitions {@code [first, first + count)} of an RDD: one commit batch of work. */
public final class BatchPartitions {
  private BatchPartitions() {}

  public static RDD<Row> of(RDD<Row> rdd, int first, int count) {
    return PartitionPruningRDD.create(rdd, new InRange(first, first + count));
  }

  private static final class InRange extends AbstractFunction1<Object, Object> implements Serializable {
    private final int from;
    private final int to;

    InRange(int from, int to) {
      this.from = from;
      this.to = to;
    }

    @Override
    public Object apply(Object index) {
      int i = (Integer) index;
      return i >= from && i < to;
    }
  }
}
