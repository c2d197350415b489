package io.flywheel.skew;

import static org.apache.spark.sql.functions.*;

import io.flywheel.udfs.TextFeatureFunctions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;

/**
 * The structural features the skew job compares, as DataFrame columns: {@link #withTextFeatures}
 * computes all of them for one text column in one pass ({@code flywheel_text_features}), and
 * {@link #NUMERIC} / {@link #CATEGORICAL} say which distance family each one gets (docs/skew.md#features).
 */
public final class SkewFeatures {
  /** Compared with Jensen–Shannon over Sturges bins, PSI and normalized Wasserstein-1. */
  public static final List<String> NUMERIC = List.of(
      "chars", "words", "est_tokens", "sentences", "non_letter_share", "lower_share", "upper_share",
      "title_share", "mixed_share", "oov_rate", "fragment_share");

  /** Compared with Jensen–Shannon on frequencies and L-infinity. */
  public static final List<String> CATEGORICAL = List.of(
      "is_empty", "is_valid_json", "json_shape", "json_keys", "is_valid_xml", "language", "has_pii");

  /** Built on first use, so that reading the feature lists (config validation) loads no Spark SQL. */
  private static final class Udf {
    static final UserDefinedFunction FEATURES =
        udf((UDF1<String, Row>) TextFeatureFunctions::featuresRow, TextFeatureFunctions.TEXT_FEATURES_TYPE);
  }

  private SkewFeatures() {}

  /**
   * Adds one column per feature of {@code textColumn}, named {@code prefix + feature}. Booleans stay
   * booleans; {@code json_keys} becomes the comma-joined sorted key set (null when not an object).
   */
  public static Dataset<Row> withTextFeatures(Dataset<Row> df, String textColumn, String prefix) {
    String tmp = "_" + prefix + "features";
    Dataset<Row> withStruct = df.withColumn(tmp, Udf.FEATURES.apply(col(textColumn)));
    List<Column> cols = new ArrayList<>();
    for (String c : df.columns()) {
      cols.add(col(c));
    }
    for (String f : NUMERIC) {
      cols.add(col(tmp + "." + f).as(prefix + f));
    }
    for (String f : CATEGORICAL) {
      Column v = col(tmp + "." + f);
      if (f.equals("json_keys")) {
        v = when(v.isNotNull(), concat_ws(",", v));
      }
      cols.add(v.as(prefix + f));
    }
    return withStruct.select(cols.toArray(Column[]::new));
  }

  /** {@code names} with {@code prefix} in front of each. */
  public static List<String> prefixed(String prefix, List<String> names) {
    return names.stream().map(n -> prefix + n).toList();
  }
}
