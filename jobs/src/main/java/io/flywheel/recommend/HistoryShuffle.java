package io.flywheel.recommend;

import io.flywheel.udfs.Hashing;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Reproducible shuffle of a user's purchase history before it goes into a prompt, so that the order of
 * the history does not steer the model the same way every time; seeded by (user id, run date, attempt).
 */
public final class HistoryShuffle {
  // Bump when the seed derivation or the shuffle changes: old runs then stop being reproducible.
  static final String VERSION = "history-shuffle-v1";

  private HistoryShuffle() {}

  /**
   * The seed: the first 8 bytes (big-endian) of SHA-256 over the length-prefixed encoding of
   * (version, user id, ISO run date, attempt), see {@link Hashing#sha256Parts(List)}.
   */
  public static long seed(String userId, LocalDate runDate, int attempt) {
    String hex = Hashing.sha256Parts(List.of(VERSION, userId, runDate.toString(), Integer.toString(attempt)));
    return Long.parseUnsignedLong(hex.substring(0, 16), 16);
  }

  /** A shuffled copy of {@code history}; the same (user, run date, attempt) always gives the same order. */
  public static <T> List<T> shuffled(List<T> history, String userId, LocalDate runDate, int attempt) {
    List<T> out = new ArrayList<>(history);
    // Fisher-Yates written out with java.util.Random, whose sequence the JDK specifies, so the order
    // does not depend on the JVM version.
    Random random = new Random(seed(userId, runDate, attempt));
    for (int i = out.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T tmp = out.get(i);
      out.set(i, out.get(j));
      out.set(j, tmp);
    }
    return out;
  }
}
