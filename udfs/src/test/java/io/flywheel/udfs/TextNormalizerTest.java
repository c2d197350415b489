package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

  @Test
  void nullAndEmptyBecomeEmptyString() {
    assertThat(TextNormalizer.normalize(null)).isEmpty();
    assertThat(TextNormalizer.normalize("")).isEmpty();
  }

  @Test
  void whitespaceOnlyBecomesEmptyString() {
    assertThat(TextNormalizer.normalize(" \t\n\u00A0 ")).isEmpty();
  }

  @Test
  void collapsesRunsOfWhitespaceAndNoBreakSpacesToOneSpaceAndStrips() {
    assertThat(TextNormalizer.normalize("  Quiet \t\tkettle\n\n1.7\u00A0L  ")).isEqualTo("Quiet kettle 1.7 L");
  }

  @Test
  void stripsHtmlTagsKeepingAWordBoundary() {
    assertThat(TextNormalizer.normalize("<p>Great<br/>kettle</p>")).isEqualTo("Great kettle");
    assertThat(TextNormalizer.normalize("<b>Bold</b> claim")).isEqualTo("Bold claim");
  }

  @Test
  void decodesCommonEntitiesAfterStrippingTags() {
    assertThat(TextNormalizer.normalize("Salt &amp; pepper&nbsp;mill &quot;XL&quot; &#39;22 &apos;x&apos;"))
        .isEqualTo("Salt & pepper mill \"XL\" '22 'x'");
    // Encoded angle brackets are text, not tags: they survive as literal characters.
    assertThat(TextNormalizer.normalize("3 &lt; 5 &gt; 2")).isEqualTo("3 < 5 > 2");
  }

  @Test
  void decodesAmpersandOnlyOnce() {
    assertThat(TextNormalizer.normalize("a &amp;lt; b")).isEqualTo("a &lt; b");
  }

  @Test
  void appliesUnicodeNfc() {
    String decomposed = "Cafe\u0301 cre\u0300me";
    assertThat(TextNormalizer.normalize(decomposed)).isEqualTo("Caf\u00E9 cr\u00E8me");
  }

  @Test
  void leavesAlreadyCleanTextUnchanged() {
    String clean = "The Norvik kettle boils 1.7 L in 3 minutes.";
    assertThat(TextNormalizer.normalize(clean)).isEqualTo(clean);
  }

  @Test
  void isBlankTreatsNoBreakSpaceAsBlank() {
    assertThat(TextNormalizer.isBlank(null)).isTrue();
    assertThat(TextNormalizer.isBlank("")).isTrue();
    assertThat(TextNormalizer.isBlank(" \u00A0\t\n")).isTrue();
    assertThat(TextNormalizer.isBlank(" x ")).isFalse();
  }
}
