package io.flywheel.feedback;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.flywheel.udfs.Hashing;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Train/validation side of a user: a stable hash of the user id alone, so a user is never on both
 * sides and a row never switches sides between exports (docs/feedback.md#split).
 */
public final class DatasetSplit {
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";

  private DatasetSplit() {}

  /**
   * The user's position in [0, 1): the first 52 bits of SHA-256 over (salt, user id), as a fraction.
   * Raising the validation fraction only moves users from train to validation, never back.
   */
  public static double bucket(String userId, String salt) {
    if (userId == null) {
      throw new IllegalArgumentException("user_id is null: every example needs a user for the split");
    }
    String hex = Hashing.sha256Parts(List.of(salt, userId));
    return Long.parseLong(hex.substring(0, 13), 16) / (double) (1L << 52);
  }

  /** {@link #VALIDATION} when the user's bucket is below {@code validationFraction}, else {@link #TRAIN}. */
  public static String of(String userId, double validationFraction, String salt) {
    if (!(validationFraction >= 0 && validationFraction <= 1)) {
      throw new IllegalArgumentException("validation fraction must be within [0, 1], got " + validationFraction);
    }
    return bucket(userId, salt) < validationFraction ? VALIDATION : TRAIN;
  }

  /** Adds {@code split} from {@code user_id}. */
  public static Dataset<Row> withSplit(Dataset<Row> examples, double validationFraction, String salt) {
    of("check", validationFraction, salt);
    return examples.withColumn("split",
        udf((UDF1<String, String>) u -> of(u, validationFraction, salt), DataTypes.StringType).apply(col("user_id")));
  }
}
