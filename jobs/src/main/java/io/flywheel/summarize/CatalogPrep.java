package io.flywheel.summarize;

import static org.apache.spark.sql.functions.*;

import io.flywheel.cache.CacheKey;
import io.flywheel.catalog.CatalogInput;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.udfs.Hashing;
import io.flywheel.udfs.PromptInjection;
import io.flywheel.udfs.TextNormalizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.TimestampType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Pure transformations of the catalog, from raw rows to validated, normalized, keyed rows. Each adds
 * columns named {@code _x} so that the user's own columns never clash with them. The reject reasons
 * are listed in docs/tables.md#catalog_rejects.
 */
public final class CatalogPrep {
  public static final String ITEM_ID = "_item_id";
  public static final String UPDATED_AT = "_updated_at";
  public static final String FIELDS = "_fields";
  public static final String TEXT_LEN = "_text_len";
  public static final String REASON = "_reject_reason";
  public static final String DETAIL = "_reject_detail";
  public static final String CONTENT_HASH = "_content_hash";
  public static final String PROMPT_ID = "_prompt_id";
  public static final String CACHE_KEY = "_cache_key";
  public static final String REQUEST_KEY = "_request_key";
  public static final String BRAND = "_brand";
  public static final String RAW = "_raw";
  public static final String IS_DUP_ID = "_is_dup_id";
  public static final String INJECTED = "_injected";

  private static final UserDefinedFunction NORMALIZE =
      udf((UDF1<String, String>) TextNormalizer::normalize, DataTypes.StringType);
  /** The first text addressed to a model in any of the normalized fields (what the model would see), or null. */
  private static final UserDefinedFunction INJECTION =
      udf((UDF1<Seq<String>, String>) values -> {
        if (values == null) {
          return null;
        }
        for (String v : CollectionConverters.asJava(values)) {
          String found = PromptInjection.find(v);
          if (found != null) {
            return found.length() > 80 ? found.substring(0, 80) + "..." : found;
          }
        }
        return null;
      }, DataTypes.StringType);

  private CatalogPrep() {}

  /**
   * Adds {@code _item_id}, {@code _updated_at}, {@code _fields} (the normalized text fields in config
   * order), {@code _text_len}, {@code _brand} and {@code _reject_reason}/{@code _reject_detail}. The
   * prompt-injection check comes after the keys ({@link #withInjectionCheck}), which tell the cache
   * hits it can skip.
   */
  public static Dataset<Row> withValidation(Dataset<Row> raw, FlywheelConfig.CatalogColumns cols, int maxItemChars) {
    List<Column> fields = new ArrayList<>();
    for (String name : cols.text()) {
      fields.add(NORMALIZE.apply(asText(raw, name)));
    }
    Column textLen = lit(0);
    for (int i = 0; i < fields.size(); i++) {
      textLen = textLen.plus(length(col(FIELDS).getItem(i)));
    }
    Column updatedRaw = col(cols.updatedAt());
    Column updated = asTimestamp(raw, cols.updatedAt());
    Column reason =
        when(corrupt(raw).isNotNull(), lit("corrupt_record"))
            .when(col(ITEM_ID).isNull().or(col(ITEM_ID).equalTo("")), lit("missing_id"))
            .when(updatedRaw.isNotNull().and(col(UPDATED_AT).isNull()), lit("unparseable_updated_at"))
            .when(col(TEXT_LEN).gt(maxItemChars), lit("too_large"));
    Column detail =
        when(corrupt(raw).isNotNull(), lit("row could not be parsed"))
            .when(col(ITEM_ID).isNull(), lit("id column '" + cols.id() + "' is null"))
            .when(col(ITEM_ID).equalTo(""), lit("id column '" + cols.id() + "' is blank"))
            .when(
                updatedRaw.isNotNull().and(col(UPDATED_AT).isNull()),
                concat(lit("'"), updatedRaw.cast("string"), lit("' is not a timestamp")))
            .when(
                col(TEXT_LEN).gt(maxItemChars),
                concat(col(TEXT_LEN).cast("string"), lit(" characters, limit " + maxItemChars)));
    Column brand = CatalogInput.isBlank(cols.brand()) ? lit(null).cast("string") : NORMALIZE.apply(asText(raw, cols.brand()));
    return raw.withColumn(ITEM_ID, trim(col(cols.id()).cast("string")))
        .withColumn(UPDATED_AT, updated)
        .withColumn(FIELDS, array(fields.toArray(Column[]::new)))
        .withColumn(TEXT_LEN, textLen)
        .withColumn(BRAND, brand)
        .withColumn(REASON, reason)
        .withColumn(DETAIL, detail);
  }

  /**
   * Adds {@code _injected}: the first text addressed to a model in {@code _fields}, or null; where it
   * is set on a valid row, the reject reason {@code prompt_injection} with the text in its detail. The
   * check reads every word of an item, so it skips what needs none: rows already rejected, and cache
   * hits, whose item and cache key are in {@code cached} ({@code item_id, cache_key} of
   * {@code summaries}, broadcast; null to check every item). A hit passed the same check when it was
   * summarized: the check's version is part of the guardrail version, and so of the cache key. Needs
   * {@link #withValidation} and {@link #withKeys} first.
   */
  public static Dataset<Row> withInjectionCheck(Dataset<Row> keyed, Dataset<Row> cached) {
    Dataset<Row> in = cached == null
        ? keyed.withColumn("_cached_key", lit(null).cast("string"))
        : keyed.join(broadcast(cached.select(col("item_id").as("_c_item_id"), col("cache_key").as("_cached_key"))),
                col(ITEM_ID).equalTo(col("_c_item_id")), "left")
            .drop("_c_item_id");
    Column needed = col(REASON).isNull().and(col("_cached_key").isNull().or(col("_cached_key").notEqual(col(CACHE_KEY))));
    Column injected = col(INJECTED).isNotNull();
    return in.withColumn(INJECTED, when(needed, INJECTION.apply(col(FIELDS))))
        .withColumn(DETAIL, when(injected, concat(lit("text addressed to a model: '"), col(INJECTED), lit("'"))).otherwise(col(DETAIL)))
        .withColumn(REASON, when(injected, lit("prompt_injection")).otherwise(col(REASON)))
        .drop("_cached_key");
  }

  /** Adds {@code _content_hash}, {@code _prompt_id}, {@code _request_key} and {@code _cache_key}. */
  public static Dataset<Row> withKeys(Dataset<Row> in, KeyPlan plan, String routeColumn) {
    UserDefinedFunction requestKey =
        udf((UDF3<String, String, String, String>) plan::requestKey, DataTypes.StringType);
    UserDefinedFunction cacheKey =
        udf((UDF3<String, String, String, String>) plan::cacheKey, DataTypes.StringType);
    return withContentHash(in, plan.fieldNames())
        .withColumn(PROMPT_ID, plan.routeColumn(routeColumn))
        .withColumn(REQUEST_KEY, requestKey.apply(col(ITEM_ID), col(CONTENT_HASH), col(PROMPT_ID)))
        .withColumn(
            CACHE_KEY,
            when(col(ITEM_ID).isNotNull(), cacheKey.apply(col(ITEM_ID), col(CONTENT_HASH), col(PROMPT_ID))));
  }

  /**
   * Adds {@code _content_hash}: SHA-256 over the field names and normalized values of {@code _fields}
   * (see docs/cache.md). Needs {@link #withValidation} first.
   */
  public static Dataset<Row> withContentHash(Dataset<Row> in, List<String> fieldNames) {
    List<String> names = List.copyOf(fieldNames);
    UserDefinedFunction contentHash =
        udf((UDF1<Seq<String>, String>) values -> contentHash(names, CollectionConverters.asJava(values)), DataTypes.StringType);
    return in.withColumn(CONTENT_HASH, contentHash.apply(col(FIELDS)));
  }

  /** The content hash of normalized field values, named in the same order. */
  public static String contentHash(List<String> names, List<String> values) {
    List<String> parts = new ArrayList<>(values.size() * 2);
    for (int i = 0; i < values.size(); i++) {
      parts.add(names.get(i));
      parts.add(values.get(i));
    }
    return Hashing.sha256Parts(parts);
  }

  /** Adds {@code _raw}: the original row as JSON (or the unparsed line), only where {@code when} holds. */
  public static Dataset<Row> withRawRow(Dataset<Row> in, String[] originalColumns, Column when) {
    Column json =
        to_json(struct(Arrays.stream(originalColumns).filter(c -> !c.equals(CatalogInput.CORRUPT)).map(c -> col("`" + c + "`")).toArray(Column[]::new)));
    Column raw = Arrays.asList(originalColumns).contains(CatalogInput.CORRUPT) ? coalesce(col(CatalogInput.CORRUPT), json) : json;
    return in.withColumn(RAW, when(when, raw));
  }

  /**
   * Among valid rows sharing an id, marks all but the newest {@code updated_at} (ties: larger content
   * hash, then row order is irrelevant because equal hashes mean equal content) as
   * {@code duplicate_id} rejects.
   */
  public static Dataset<Row> withDuplicateRejects(Dataset<Row> in) {
    var w =
        Window.partitionBy(col(ITEM_ID))
            .orderBy(col(UPDATED_AT).desc_nulls_last(), col(CONTENT_HASH).desc(), col(RAW).desc_nulls_last());
    Column isLoser = col("_rank").gt(1);
    return in.withColumn("_rank", row_number().over(w))
        .withColumn(DETAIL, when(isLoser, concat(lit("older row of id with a newer one updated at "),
            coalesce(first(col(UPDATED_AT).cast("string")).over(w), lit("null")))).otherwise(col(DETAIL)))
        .withColumn(REASON, when(isLoser, lit("duplicate_id")).otherwise(col(REASON)))
        .drop("_rank");
  }

  /**
   * The validated, keyed rows narrowed to what the job needs ({@code _raw} only on rejects), with
   * every valid row whose id occurs more than once in {@code raw} ranked by {@link #withDuplicateRejects}.
   */
  public static Dataset<Row> withDuplicateIdRejects(Dataset<Row> prepared, Dataset<Row> raw, String idColumn) {
    return withDuplicateIdRejects(withDuplicateIdFlags(prepared, raw, idColumn));
  }

  /**
   * The validated, keyed rows narrowed to what the job needs ({@code _raw} only on rejects), with
   * {@code _is_dup_id} set on the rows whose id occurs more than once in {@code raw}. Finding the
   * repeated ids reads only the id column of a columnar input. Persist the result before
   * {@link #withDuplicateIdRejects(Dataset)}, which reads it twice: otherwise the catalog is scanned,
   * normalized and hashed twice.
   */
  public static Dataset<Row> withDuplicateIdFlags(Dataset<Row> prepared, Dataset<Row> raw, String idColumn) {
    Dataset<Row> dupIds =
        raw.select(trim(col(idColumn).cast("string")).as("_d_id"))
            .where(col("_d_id").isNotNull().and(col("_d_id").notEqual("")))
            .groupBy("_d_id").count().where(col("count").gt(1)).select("_d_id");
    return prepared.join(broadcast(dupIds), prepared.col(ITEM_ID).equalTo(dupIds.col("_d_id")), "left")
        .withColumn(IS_DUP_ID, col("_d_id").isNotNull())
        .transform(df -> withRawRow(df, raw.columns(), col(REASON).isNotNull().or(col(IS_DUP_ID))))
        .select(ITEM_ID, UPDATED_AT, TEXT_LEN, REASON, DETAIL, CONTENT_HASH, PROMPT_ID, REQUEST_KEY, CACHE_KEY,
            RAW, IS_DUP_ID);
  }

  /** The flagged rows with the older rows of a repeated id made {@code duplicate_id} rejects (only those are shuffled). */
  public static Dataset<Row> withDuplicateIdRejects(Dataset<Row> flagged) {
    Column dupCandidate = col(REASON).isNull().and(col(IS_DUP_ID));
    return flagged.where(not(dupCandidate)).unionByName(flagged.where(dupCandidate).transform(CatalogPrep::withDuplicateRejects));
  }

  private static Column corrupt(Dataset<Row> raw) {
    return Arrays.asList(raw.columns()).contains(CatalogInput.CORRUPT) ? col(CatalogInput.CORRUPT) : lit(null).cast("string");
  }

  private static Column asText(Dataset<Row> raw, String name) {
    DataType type = raw.schema().apply(name).dataType();
    Column c = col(name);
    if (type instanceof ArrayType) {
      return concat_ws("\n", c.cast("array<string>"));
    }
    return c.cast("string");
  }

  private static Column asTimestamp(Dataset<Row> raw, String name) {
    DataType type = raw.schema().apply(name).dataType();
    if (type instanceof TimestampType || type instanceof DateType) {
      return col(name).cast("timestamp");
    }
    return try_to_timestamp(col(name).cast("string"));
  }

  /** The cache-key inputs that are fixed for a run, by prompt id; see docs/cache.md. */
  public record KeyPlan(List<String> fieldNames, Map<String, CacheKey> byPrompt, String defaultPrompt, Map<String, String> routes)
      implements Serializable {

    String requestKey(String itemId, String contentHash, String promptId) {
      return byPrompt.get(promptId).requestKey(contentHash);
    }

    String cacheKey(String itemId, String contentHash, String promptId) {
      return byPrompt.get(promptId).cacheKey(itemId, contentHash);
    }

    Column routeColumn(String routeColumn) {
      if (routes.isEmpty() || CatalogInput.isBlank(routeColumn)) {
        return lit(defaultPrompt);
      }
      List<Column> kv = new ArrayList<>();
      routes.forEach((k, v) -> {
        kv.add(lit(k.toLowerCase(java.util.Locale.ROOT)));
        kv.add(lit(v));
      });
      return coalesce(element_at(map(kv.toArray(Column[]::new)), lower(trim(col(routeColumn).cast("string")))), lit(defaultPrompt));
    }
  }
}
