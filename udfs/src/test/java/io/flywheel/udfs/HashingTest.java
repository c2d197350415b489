package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashingTest {

  @Test
  void sha256MatchesKnownTestVector() {
    assertThat(Hashing.sha256("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(Hashing.sha256(""))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void sha256PartsIsLowerCaseHexOf64Chars() {
    assertThat(Hashing.sha256Parts(List.of("a", "b"))).matches("[0-9a-f]{64}");
  }

  @Test
  void sha256PartsHashesTheLengthPrefixedEncoding() {
    // ("ab", "c") is encoded as "2:ab1:c".
    assertThat(Hashing.sha256Parts(List.of("ab", "c"))).isEqualTo(Hashing.sha256("2:ab1:c"));
    // Lengths are UTF-8 byte lengths, not char counts: "é" is 2 bytes.
    assertThat(Hashing.sha256Parts(List.of("\u00E9"))).isEqualTo(Hashing.sha256("2:\u00E9"));
  }

  @Test
  void movingABoundaryBetweenPartsChangesTheHash() {
    assertThat(Hashing.sha256Parts(List.of("ab", "c"))).isNotEqualTo(Hashing.sha256Parts(List.of("a", "bc")));
    assertThat(Hashing.sha256Parts(List.of("abc"))).isNotEqualTo(Hashing.sha256Parts(List.of("ab", "c")));
  }

  @Test
  void nullEmptyAndDashArePairwiseDistinct() {
    String ofNull = Hashing.sha256Parts(Arrays.asList((String) null));
    String ofEmpty = Hashing.sha256Parts(List.of(""));
    String ofDash = Hashing.sha256Parts(List.of("-"));
    assertThat(ofNull).isNotEqualTo(ofEmpty).isNotEqualTo(ofDash);
    assertThat(ofEmpty).isNotEqualTo(ofDash);
    assertThat(Hashing.sha256Parts(List.of())).isNotEqualTo(ofEmpty);
  }

  @Test
  void sha256PartsIsStable() {
    assertThat(Hashing.sha256Parts(List.of("x", "y"))).isEqualTo(Hashing.sha256Parts(List.of("x", "y")));
  }

  @Test
  void contentHashIgnoresFormattingNoiseButNotContent() {
    String clean = Hashing.contentHash(List.of("Norvik Kettle", "Boils fast & quietly."));
    String noisy = Hashing.contentHash(List.of("  Norvik   Kettle ", "<p>Boils fast &amp; quietly.</p>"));
    String different = Hashing.contentHash(List.of("Norvik Kettle", "Boils slowly."));
    assertThat(noisy).isEqualTo(clean);
    assertThat(different).isNotEqualTo(clean);
  }

  @Test
  void contentHashTreatsNullLikeEmptyAndKeepsFieldOrder() {
    assertThat(Hashing.contentHash(Arrays.asList("a", null))).isEqualTo(Hashing.contentHash(List.of("a", "")));
    assertThat(Hashing.contentHash(List.of("a", "b"))).isNotEqualTo(Hashing.contentHash(List.of("b", "a")));
  }
}
