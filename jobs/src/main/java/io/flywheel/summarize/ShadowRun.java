package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A shadow run of summarize ({@code summarize --shadow NAME}, docs/eval.md#shadow-runs): the
 * candidate prompt, model or decoding of {@code summarize.shadows.NAME} on a stable sample of the
 * catalog, written to a warehouse of its own under {@code <warehouse.root>/shadow/NAME}, so it has the
 * production tables' layout, its own cache (and cache keys) and never writes a production table.
 */
public final class ShadowRun {
  /** The folder under the production warehouse root that holds every shadow's warehouse. */
  public static final String FOLDER = "shadow";
  /** Resolution of the sample: a hash bucket out of this many. */
  private static final long BUCKETS = 1_000_000L;

  private ShadowRun() {}

  /** The root of shadow {@code name}'s warehouse, under the production root. */
  public static String root(String productionRoot, String name) {
    String r = productionRoot.endsWith("/") ? productionRoot.substring(0, productionRoot.length() - 1) : productionRoot;
    return r + "/" + FOLDER + "/" + name;
  }

  /**
   * The config of the shadow run that {@code loaded} asks for ({@code summarize.shadow} set), or
   * {@code loaded} itself when it asks for none: {@code reload} loads the same file, environment and
   * sets plus the shadow's {@code set} entries, its warehouse root and no catalog database (the
   * production catalog names must keep pointing at production tables).
   */
  public static ConfigLoader.Loaded resolve(ConfigLoader.Loaded loaded, Function<List<String>, ConfigLoader.Loaded> reload) {
    FlywheelConfig.Summarize s = loaded.config().summarize();
    if (s.shadow() == null || s.shadow().isBlank()) {
      return loaded;
    }
    String name = s.shadow();
    // ConfigLoader checked that it exists and what its sets may change.
    FlywheelConfig.Shadow shadow = s.shadows().get(name);
    List<String> sets = new ArrayList<>();
    for (Map.Entry<String, String> e : shadow.sets().entrySet()) {
      sets.add(e.getKey() + "=" + e.getValue());
    }
    sets.add("warehouse.root=" + root(loaded.config().warehouse().root(), name));
    sets.add("warehouse.database=");
    return reload.apply(sets);
  }

  /**
   * The shadow's sample of the raw catalog: the rows whose id falls in the first
   * {@code sample_fraction} of hash buckets (seeded; every row of an id alike, so a duplicated id
   * is still seen as one), then at most {@code max_items} of them, lowest hash first. The same
   * catalog, fraction and seed give the same items on every run, so a rerun hits the shadow's cache.
   */
  static Dataset<Row> sample(Dataset<Row> raw, String idColumn, FlywheelConfig.Shadow shadow) {
    Column id = col("`" + idColumn + "`").cast("string");
    Column hash = xxhash64(lit(shadow.seed()), id);
    Column bucket = pmod(hash, lit(BUCKETS));
    Dataset<Row> in = raw.where(id.isNotNull().and(bucket.lt(lit(Math.round(shadow.sampleFraction() * BUCKETS)))));
    if (shadow.maxItems() <= 0) {
      return in;
    }
    String[] columns = raw.columns();
    return in.withColumn("_shadow_hash", hash).orderBy(col("_shadow_hash"), id).limit(shadow.maxItems())
        .select(java.util.Arrays.stream(columns).map(c -> col("`" + c + "`")).toArray(Column[]::new));
  }
}
