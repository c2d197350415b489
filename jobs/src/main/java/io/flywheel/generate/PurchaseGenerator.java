package io.flywheel.generate;

import java.io.Serializable;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Deterministic purchase histories for the sample catalog (docs/sample-data.md#purchases): user
 * {@code u} buys 3-14 items, drawn with a skewed popularity (low item numbers are the bestsellers),
 * with a few messy rows: null users, unknown item ids and null item ids.
 */
public final class PurchaseGenerator implements Serializable {
  public static final StructType SCHEMA = StructType.fromDDL("user_id STRING, item_id STRING, purchased_at TIMESTAMP");
  static final double NULL_USER = 0.005;
  static final double UNKNOWN_ITEM = 0.01;
  static final double NULL_ITEM = 0.003;
  private static final LocalDateTime START = LocalDateTime.of(2026, 6, 1, 0, 0);
  private static final long SPAN_SECONDS = 179L * 24 * 3600;

  private final long seed;
  private final long items;

  public PurchaseGenerator(long seed, long items) {
    this.seed = seed;
    this.items = items;
  }

  public static String userId(long u) {
    return String.format(Locale.ROOT, "U-%07d", u);
  }

  /** The purchase rows of user {@code u}. */
  public List<Row> rows(long u) {
    SplittableRandom r = new SplittableRandom(CatalogGenerator.mix(seed, u, 31));
    int n = 3 + r.nextInt(12);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      double kind = r.nextDouble();
      // Cubing a uniform draw makes low item numbers far more likely: popular items dominate.
      long item = (long) (items * Math.pow(r.nextDouble(), 3));
      String user = kind < NULL_USER ? null : userId(u);
      String itemId = kind < NULL_USER + UNKNOWN_ITEM && kind >= NULL_USER
          ? String.format(Locale.ROOT, "SKU-X%07d", r.nextInt(10_000_000))
          : kind < NULL_USER + UNKNOWN_ITEM + NULL_ITEM && kind >= NULL_USER + UNKNOWN_ITEM
              ? null
              : String.format(Locale.ROOT, "SKU-%08d", item);
      Timestamp at = Timestamp.valueOf(START.plusSeconds(r.nextLong(SPAN_SECONDS)));
      out.add(RowFactory.create(user, itemId, at));
    }
    return out;
  }
}
