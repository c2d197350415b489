package io.flywheel.skew;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.udfs.Hashing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sampling key: a fixed function of seed and content hash, so reruns pick the same texts. */
class EmbeddingSampleTest {

  @Test
  void keyIsSha256OfSeedAndContentHash() {
    // The documented definition, spelled out: hex SHA-256 of "42:" + the content hash.
    String hash = Hashing.sha256("a text");
    assertThat(EmbeddingSample.key(42, hash)).isEqualTo(Hashing.sha256("42:" + hash));
    // SHA-256("42:abc") computed independently (sha256sum of the bytes "42:abc").
    assertThat(EmbeddingSample.key(42, "abc")).isEqualTo("4c611c47136d0d52ef7b1d6508b6d77b5d245237732f0e539c3b8a614d0586e5");
  }

  @Test
  void anotherSeedDrawsAnotherSample() {
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      hashes.add(Hashing.sha256("text " + i));
    }
    List<String> a = new ArrayList<>(hashes);
    a.sort(Comparator.comparing(h -> EmbeddingSample.key(1, h)));
    List<String> b = new ArrayList<>(hashes);
    b.sort(Comparator.comparing(h -> EmbeddingSample.key(2, h)));
    // Two independent 50-of-200 samples share about 12.5 texts; far from all 50.
    List<String> common = new ArrayList<>(a.subList(0, 50));
    common.retainAll(b.subList(0, 50));
    assertThat(common.size()).isBetween(1, 30);
  }
}
