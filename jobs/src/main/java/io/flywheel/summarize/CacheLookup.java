package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The cache lookup of the summarize job (docs/cache.md): which valid items need the model. */
final class CacheLookup {
  /** True for an item that must be sent: not a cache hit, and its request did not fail for good before. */
  static final Column IS_MISS = not(col("_hit")).and(not(col("_known_bad")));

  private CacheLookup() {}

  /**
   * One narrow row per valid item ({@code _m_*} columns) with {@code _hit} (its current cache key is
   * the one in {@code summaries}) and {@code _known_bad} (its request key is in {@code knownBad}, a
   * frame of {@code request_key}s). {@code summaries} has one row per item, so one left join on the
   * id tells both whether the item is known ({@code _m_is_new}) and whether it is a hit.
   */
  static Dataset<Row> withCacheLookup(Dataset<Row> valid, Dataset<Row> summaries, Dataset<Row> knownBad) {
    Dataset<Row> cached = summaries.select(col("item_id").as("_s_item_id"), col("cache_key").as("_s_cache_key"));
    Dataset<Row> bad = knownBad.select(col("request_key").as("_b_request_key")).distinct();
    return valid.join(cached, valid.col(CatalogPrep.ITEM_ID).equalTo(cached.col("_s_item_id")), "left")
        .join(bad, col(CatalogPrep.REQUEST_KEY).equalTo(bad.col("_b_request_key")), "left")
        .select(col(CatalogPrep.ITEM_ID).as("_m_item_id"), col(CatalogPrep.CONTENT_HASH).as("_m_content_hash"),
            col(CatalogPrep.CACHE_KEY).as("_m_cache_key"), col(CatalogPrep.UPDATED_AT).as("_m_updated_at"),
            col("_s_item_id").isNull().as("_m_is_new"), col(CatalogPrep.REQUEST_KEY).as("_m_request_key"),
            col(CatalogPrep.TEXT_LEN).as("_m_text_len"),
            coalesce(col("_s_cache_key").equalTo(col(CatalogPrep.CACHE_KEY)), lit(false)).as("_hit"),
            col("_b_request_key").isNotNull().as("_known_bad"));
  }
}
