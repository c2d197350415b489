package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.skew.LoggedRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The daily review sample (docs/eval.md#review-sample): which of a day's calls people look at. Every
 * guardrail rejection up to a cap, and a stratified random sample of the other calls by job and
 * status, drawn by a seeded hash of the call id, so a rerun draws the same calls.
 */
public final class ReviewSample {
  static final String REJECTED = "guardrail_rejected";

  private ReviewSample() {}

  /** The stratum of a call: {@code job/status}. */
  static Column stratum() {
    return concat_ws("/", col("job"), col("status"));
  }

  /** The sizes of the strata sampled by quota, and how many guardrail rejections there are (sampled apart). */
  record Strata(Map<String, Long> sizes, long rejected) {}

  /** The calls counted by stratum, in one pass over them. */
  static Strata strata(Dataset<Row> calls) {
    Map<String, Long> sizes = new TreeMap<>();
    long rejected = 0;
    for (Row r : calls.groupBy(col("status"), stratum().as("s")).count().collectAsList()) {
      if (r.isNullAt(0)) {
        continue;
      }
      if (REJECTED.equals(r.getString(0))) {
        rejected += r.getLong(2);
      } else {
        sizes.put(r.getString(1), r.getLong(2));
      }
    }
    return new Strata(sizes, rejected);
  }

  /**
   * How many calls of each stratum to draw for {@code size} in all: each stratum gets
   * {@code min(count, minPerStratum)}, and the rest of {@code size} is shared in proportion to what each
   * stratum has left (largest remainders, ties to the larger stratum, then by name), never more than it
   * has. When every call fits, all are drawn; when the minimums alone exceed {@code size}, the sample is
   * the minimums.
   */
  public static Map<String, Integer> quotas(Map<String, Long> counts, int size, int minPerStratum) {
    Map<String, Integer> out = new LinkedHashMap<>();
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    if (total <= size) {
      counts.forEach((k, v) -> out.put(k, (int) (long) v));
      return out;
    }
    long base = 0;
    long left = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      int b = (int) Math.min(e.getValue(), minPerStratum);
      out.put(e.getKey(), b);
      base += b;
      left += e.getValue() - b;
    }
    long rest = size - base;
    if (rest <= 0 || left == 0) {
      return out;
    }
    List<Object[]> remainders = new ArrayList<>();
    long given = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      long room = e.getValue() - out.get(e.getKey());
      double share = (double) rest * room / left;
      int whole = (int) Math.min(room, Math.floor(share));
      out.merge(e.getKey(), whole, Integer::sum);
      given += whole;
      remainders.add(new Object[] {e.getKey(), share - whole, e.getValue()});
    }
    remainders.sort(Comparator.<Object[]>comparingDouble(o -> -(double) o[1])
        .thenComparing(o -> -(long) o[2]).thenComparing(o -> (String) o[0]));
    for (int i = 0; given < rest && i < remainders.size(); i++) {
      String k = (String) remainders.get(i)[0];
      if (out.get(k) < counts.get(k)) {
        out.merge(k, 1, Integer::sum);
        given++;
      }
    }
    return out;
  }

  /**
   * The sampled calls ({@code call_id, job, status, error_class, stratum, reason, input, output}):
   * every {@code guardrail_rejected} call up to {@code rejectionsCap} (reason {@code guardrail_rejection}),
   * and the first {@code quota} calls of each other stratum (reason {@code stratified}), both in the order
   * of {@code sha256("<seed>:<call_id>")}.
   */
  public static Dataset<Row> sample(Dataset<Row> calls, Map<String, Integer> quotas, int rejectionsCap, long seed) {
    Column order = sha2(concat(lit(seed + ":"), col("call_id")), 256);
    List<Column> kv = new ArrayList<>();
    quotas.forEach((k, v) -> {
      kv.add(lit(k));
      kv.add(lit(v));
    });
    Column quota = kv.isEmpty() ? lit(0) : coalesce(element_at(map(kv.toArray(Column[]::new)), col("stratum")), lit(0));
    Dataset<Row> withStratum = calls.withColumn("stratum", stratum()).withColumn("_order", order);
    Dataset<Row> stratified = withStratum.where(col("status").notEqual(REJECTED))
        .withColumn("_rank", row_number().over(Window.partitionBy(col("stratum")).orderBy(col("_order"), col("call_id"))))
        .where(col("_rank").leq(quota))
        .withColumn("reason", lit("stratified"));
    Dataset<Row> rejected = withStratum.where(col("status").equalTo(REJECTED))
        .withColumn("_rank", row_number().over(Window.partitionBy(col("status")).orderBy(col("_order"), col("call_id"))))
        .where(col("_rank").leq(rejectionsCap))
        .withColumn("reason", lit("guardrail_rejection"));
    return stratified.unionByName(rejected).select(col("call_id"), col("job"), col("status"), col("error_class"),
        col("stratum"), col("reason"), expr(LoggedRequest.sqlInputText("request")).as("input"), col("response").as("output"));
  }
}
