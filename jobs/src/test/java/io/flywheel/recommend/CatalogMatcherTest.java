package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flywheel.recommend.CatalogMatcher.CatalogItem;
import io.flywheel.recommend.CatalogMatcher.Match;
import io.flywheel.recommend.CatalogMatcher.Method;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogMatcherTest {
  private static final CatalogMatcher MATCHER =
      new CatalogMatcher(
          List.of(
              new CatalogItem("SKU-1", "Wireless Mouse, Black"),
              new CatalogItem("SKU-2", "Wireless Keyboard"),
              new CatalogItem("SKU-3", "Café Crème Coffee Beans 1kg"),
              new CatalogItem("SKU-9", "USB-C Cable"),
              new CatalogItem("SKU-4", "USB-C Cable")));

  @Test
  void anExactIdWinsWhateverTheTitleSays() {
    Match m = MATCHER.match("SKU-2", "Something else entirely");
    assertThat(m.method()).isEqualTo(Method.EXACT_ID);
    assertThat(m.label()).isEqualTo("SKU-2");
    assertThat(MATCHER.match(" SKU-2 ", null).label()).isEqualTo("SKU-2");
  }

  @Test
  void caseAccentsPunctuationAndWordOrderDoNotMatter() {
    Match m = MATCHER.match("SKU-999", "black wireless mouse");
    assertThat(m.method()).isEqualTo(Method.TITLE);
    assertThat(m.itemId()).isEqualTo("SKU-1");
    assertThat(m.titleSimilarity()).isEqualTo(1.0);
    assertThat(MATCHER.match(null, "CAFE CREME coffee beans (1kg)").itemId()).isEqualTo("SKU-3");
  }

  @Test
  void aTypoStillMatchesAboveTheThreshold() {
    // "black mouse wireles" vs "black mouse wireless": 1 edit over 20 characters = 0.95.
    Match m = MATCHER.match(null, "Wireles Mouse Black");
    assertThat(m.itemId()).isEqualTo("SKU-1");
    assertThat(m.titleSimilarity()).isCloseTo(0.95, within(1e-12));
  }

  @Test
  void aDifferentProductSharingWordsIsAHallucination() {
    // "mouse wireless" vs "black mouse wireless": 6 edits over 20 = 0.70 < 0.85.
    Match m = MATCHER.match("SKU-404", "Wireless Mouse");
    assertThat(m.isHallucination()).isTrue();
    assertThat(m.label()).isEqualTo(CatalogMatcher.HALLUCINATION);
    assertThat(m.itemId()).isNull();
    assertThat(m.titleSimilarity()).isCloseTo(0.70, within(1e-12));
    assertThat(MATCHER.match("SKU-404", "Garden Hose 20m").isHallucination()).isTrue();
    assertThat(MATCHER.match(null, null).isHallucination()).isTrue();
    assertThat(MATCHER.match(null, "  ").isHallucination()).isTrue();
  }

  @Test
  void aLowerThresholdAcceptsLooserTitles() {
    CatalogMatcher loose = new CatalogMatcher(List.of(new CatalogItem("SKU-1", "Wireless Mouse, Black")), 0.7);
    assertThat(loose.match(null, "Wireless Mouse").itemId()).isEqualTo("SKU-1");
  }

  @Test
  void repeatedCatalogTitlesResolveToTheSmallestId() {
    assertThat(MATCHER.match(null, "usb c cable").itemId()).isEqualTo("SKU-4");
  }

  @Test
  void similarityIsOneMinusEditsOverTheLongerLength() {
    assertThat(CatalogMatcher.similarity("kitten", "sitting")).isCloseTo(1 - 3.0 / 7, within(1e-12));
    assertThat(CatalogMatcher.similarity("", "")).isEqualTo(1.0);
    assertThat(CatalogMatcher.similarity("abc", "")).isEqualTo(0.0);
    assertThat(CatalogMatcher.titleKey("  Crème <b>Brûlée</b>, crème!  ")).isEqualTo("brulee creme");
  }

  @Test
  void duplicateCatalogIdsAreRejected() {
    assertThatThrownBy(() -> new CatalogMatcher(List.of(new CatalogItem("A", "x"), new CatalogItem("A", "y"))))
        .hasMessageContaining("unique");
  }
}
