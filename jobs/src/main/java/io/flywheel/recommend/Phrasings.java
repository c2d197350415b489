package io.flywheel.recommend;

import io.flywheel.udfs.Hashing;
import java.time.LocalDate;
import java.util.List;

/**
 * Rotation among configured instruction phrasings: each user starts at a hash-chosen phrasing and moves
 * to the next one each day, so one day's users spread over all phrasings and each user sees every
 * phrasing over {@code size()} consecutive days.
 */
public final class Phrasings {
  static final String VERSION = "phrasings-v1";

  private final List<String> phrasings;

  public Phrasings(List<String> phrasings) {
    if (phrasings.isEmpty()) {
      throw new IllegalArgumentException("at least one instruction phrasing is required");
    }
    for (int i = 0; i < phrasings.size(); i++) {
      if (phrasings.get(i) == null || phrasings.get(i).isBlank()) {
        throw new IllegalArgumentException("instruction phrasing " + i + " is blank");
      }
    }
    this.phrasings = List.copyOf(phrasings);
  }

  /** Position of the phrasing for this user on this run date: (hash(user) + epoch day) mod size. */
  public int index(String userId, LocalDate runDate) {
    String hex = Hashing.sha256Parts(List.of(VERSION, userId));
    long userOffset = Long.parseUnsignedLong(hex.substring(0, 16), 16);
    long n = phrasings.size();
    return (int) ((Long.remainderUnsigned(userOffset, n) + Math.floorMod(runDate.toEpochDay(), n)) % n);
  }

  /** The phrasing for this user on this run date. */
  public String forUser(String userId, LocalDate runDate) {
    return phrasings.get(index(userId, runDate));
  }

  public int size() {
    return phrasings.size();
  }
}
