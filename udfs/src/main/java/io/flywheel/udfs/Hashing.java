package io.flywheel.udfs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 over an unambiguous encoding of a list of strings: each part is written as its UTF-8 byte
 * length, a colon, and the bytes, so ("ab","c") and ("a","bc") never collide; null is written "-".
 */
public final class Hashing {
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required by every JVM", e);
            }
          });

  private Hashing() {}

  /** Hex SHA-256 of the length-prefixed encoding of {@code parts}. */
  public static String sha256Parts(List<String> parts) {
    MessageDigest md = SHA256.get();
    md.reset();
    for (String part : parts) {
      if (part == null) {
        md.update((byte) '-');
        continue;
      }
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      md.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
      md.update((byte) ':');
      md.update(bytes);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Hex SHA-256 of one string's UTF-8 bytes. */
  public static String sha256(String text) {
    MessageDigest md = SHA256.get();
    md.reset();
    return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Content hash of the normalized fields a prompt uses (see docs/cache.md). */
  public static String contentHash(List<String> fields) {
    String[] normalized = new String[fields.size()];
    for (int i = 0; i < normalized.length; i++) {
      normalized[i] = TextNormalizer.normalize(fields.get(i));
    }
    return sha256Parts(List.of(normalized));
  }
}
