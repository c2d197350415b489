package io.flywheel.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.udfs.LanguageDetector;
import io.flywheel.udfs.TextNormalizer;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CatalogGeneratorTest {
  private static final int N = 20_000;
  private static final int ID = 0, TITLE = 1, DESCRIPTION = 2, CATEGORY = 3, BRAND = 4, PRICE = 5, REVIEWS = 6, UPDATED_AT = 7;
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

  private static Row[] rows;

  @BeforeAll
  static void generate() {
    CatalogGenerator g = new CatalogGenerator(42, 0, 0);
    rows = new Row[N];
    for (int i = 0; i < N; i++) {
      rows[i] = g.row(i);
    }
  }

  private static LocalDateTime parseOrNull(String ts) {
    try {
      return LocalDateTime.parse(ts, TS);
    } catch (DateTimeParseException | NullPointerException e) {
      return null;
    }
  }

  @Test
  void rowsMatchTheSchema() {
    assertThat(CatalogGenerator.SCHEMA.fieldNames())
        .containsExactly("item_id", "title", "description", "category", "brand", "price", "reviews", "updated_at");
    for (int i = 0; i < 100; i++) {
      assertThat(rows[i].length()).isEqualTo(CatalogGenerator.SCHEMA.size());
      assertThat(CatalogGenerator.CATEGORIES).contains(rows[i].getString(CATEGORY));
    }
  }

  @Test
  void sameSeedAndIndexGiveTheSameRowInAnyOrder() {
    CatalogGenerator other = new CatalogGenerator(42, 0, 0);
    for (int i = 999; i >= 0; i--) {
      assertThat(other.row(i)).as("row %d", i).isEqualTo(rows[i]);
    }
  }

  @Test
  void otherSeedGivesOtherRows() {
    CatalogGenerator other = new CatalogGenerator(43, 0, 0);
    int same = 0;
    for (int i = 0; i < 200; i++) {
      if (other.row(i).equals(rows[i])) {
        same++;
      }
    }
    assertThat(same).isZero();
  }

  @Test
  void cleanRowsLookLikeCatalogItems() {
    CatalogGenerator g = new CatalogGenerator(42, 0, 0);
    Row r = null;
    for (int i = 0; i < N && r == null; i++) {
      if (g.kind(i) == CatalogGenerator.Kind.NORMAL && rows[i].getString(DESCRIPTION) != null && rows[i].get(PRICE) != null) {
        r = rows[i];
        assertThat(r.getString(ID)).isEqualTo(String.format("SKU-%08d", i));
      }
    }
    assertThat(r).isNotNull();
    assertThat(r.getString(TITLE)).containsIgnoringCase(r.getString(BRAND));
    assertThat(r.getDouble(PRICE)).isBetween(2.0, 500.0);
    assertThat(parseOrNull(r.getString(UPDATED_AT))).isNotNull();
  }

  @Test
  void mixOfProblemRowsRoughlyMatchesTheThresholds() {
    int nullIds = 0, blankIds = 0, duplicates = 0, nonEnglish = 0, tooLong = 0, badUpdatedAt = 0;
    for (int i = 0; i < N; i++) {
      Row r = rows[i];
      String id = r.getString(ID);
      if (id == null) {
        nullIds++;
      } else if (id.isBlank()) {
        blankIds++;
      } else if (i > 0 && id.equals(rows[i - 1].getString(ID))) {
        duplicates++;
      }
      String d = r.getString(DESCRIPTION);
      if (d != null && d.length() > 20_000) {
        tooLong++;
      }
      if (d != null && Set.of("de", "es", "fr", "ja").contains(LanguageDetector.detect(TextNormalizer.normalize(d)))) {
        nonEnglish++;
      }
      if (parseOrNull(r.getString(UPDATED_AT)) == null) {
        badUpdatedAt++;
      }
    }
    // Expected counts over 20,000 rows from the cumulative thresholds in CatalogGenerator.Kind.
    assertThat(nullIds).as("null ids, ~0.2%%").isBetween(20, 60);
    assertThat(blankIds).as("blank ids, ~0.2%%").isBetween(20, 60);
    assertThat(tooLong).as("too long, ~0.3%%").isBetween(30, 90);
    assertThat(badUpdatedAt).as("bad updated_at, ~0.2%%").isBetween(20, 60);
    assertThat(duplicates).as("duplicates of previous, ~0.5%%").isBetween(60, 140);
    assertThat(nonEnglish).as("non-English, ~3%%").isBetween(480, 720);
  }

  @Test
  void aboutOnePercentOfItemsCarryAnInjectionThatTheDetectorFindsAndNoOtherItemDoes() {
    CatalogGenerator g = new CatalogGenerator(42, 0.05, 1);
    int injected = 0;
    java.util.Set<Integer> forms = new java.util.HashSet<>();
    for (int i = 0; i < N; i++) {
      String d = rows[i].isNullAt(DESCRIPTION) ? "" : io.flywheel.udfs.TextNormalizer.normalize(rows[i].getString(DESCRIPTION));
      String text = d + " " + io.flywheel.udfs.TextNormalizer.normalize(String.join("\n", rows[i].<String>getList(REVIEWS)))
          + " " + io.flywheel.udfs.TextNormalizer.normalize(rows[i].getString(TITLE));
      boolean found = io.flywheel.udfs.PromptInjection.find(text) != null;
      if (g.injection(i) >= 0 && !rows[i].isNullAt(DESCRIPTION)) {
        injected++;
        forms.add(g.injection(i));
        assertThat(found).as("item %d: %s", i, d).isTrue();
        assertThat(g.isMutated(i)).isFalse();
      } else {
        assertThat(found).as("item %d: %s", i, text).isFalse();
      }
    }
    assertThat(injected).isBetween(N / 200, N / 50);
    assertThat(forms).hasSize(CatalogGenerator.INJECTIONS.length);
  }

  @Test
  void kindFractionsFollowTheCumulativeThresholds() {
    CatalogGenerator g = new CatalogGenerator(42, 0, 0);
    int[] counts = new int[CatalogGenerator.Kind.values().length];
    for (int i = 0; i < N; i++) {
      counts[g.kind(i).ordinal()]++;
    }
    double previous = 0;
    for (CatalogGenerator.Kind k : CatalogGenerator.Kind.values()) {
      double expected = (k.upTo - previous) * N;
      previous = k.upTo;
      assertThat((double) counts[k.ordinal()]).as(k.name()).isBetween(expected * 0.6, expected * 1.4);
    }
  }

  @Test
  void duplicateRowRepeatsThePreviousItem() {
    CatalogGenerator g = new CatalogGenerator(42, 0, 0);
    int checked = 0;
    for (int i = 1; i < N; i++) {
      // (A duplicate right after another duplicate copies an item that was itself replaced: skip it.)
      if (g.kind(i) == CatalogGenerator.Kind.DUPLICATE_OF_PREVIOUS && g.kind(i - 1) != CatalogGenerator.Kind.DUPLICATE_OF_PREVIOUS) {
        assertThat(rows[i].getString(ID)).isEqualTo(String.format("SKU-%08d", i - 1));
        assertThat(rows[i].getString(BRAND)).isEqualTo(rows[i - 1].getString(BRAND));
        assertThat(rows[i].getString(CATEGORY)).isEqualTo(rows[i - 1].getString(CATEGORY));
        assertThat(rows[i].getString(DESCRIPTION)).endsWith(" Now sold in a new box.");
        checked++;
      }
    }
    assertThat(checked).isPositive();
  }

  @Test
  void mutationChangesOnlyChosenCleanItemsAndOnlyTheirDescriptionAndUpdatedAt() {
    CatalogGenerator mutated = new CatalogGenerator(42, 0.1, 5);
    int changed = 0;
    int clean = 0;
    for (int i = 0; i < 5_000; i++) {
      Row before = rows[i];
      Row after = mutated.row(i);
      if (mutated.kind(i) == CatalogGenerator.Kind.NORMAL) {
        clean++;
      }
      if (!mutated.isMutated(i)) {
        assertThat(after).as("row %d", i).isEqualTo(before);
        continue;
      }
      changed++;
      assertThat(mutated.kind(i)).isEqualTo(CatalogGenerator.Kind.NORMAL);
      for (int f : new int[] {ID, TITLE, CATEGORY, BRAND, PRICE, REVIEWS}) {
        assertThat(after.get(f)).as("row %d field %d", i, f).isEqualTo(before.get(f));
      }
      assertThat(after.getString(DESCRIPTION)).isNotEqualTo(before.getString(DESCRIPTION));
      if (before.getString(DESCRIPTION) != null) {
        assertThat(after.getString(DESCRIPTION)).startsWith(before.getString(DESCRIPTION) + " This edition adds a ");
      }
      assertThat(parseOrNull(after.getString(UPDATED_AT))).isAfter(parseOrNull(before.getString(UPDATED_AT)));
    }
    assertThat((double) changed / clean).as("share of clean items mutated").isBetween(0.08, 0.12);
  }

  @Test
  void mutationOfItemWithoutDescriptionGivesItOneInsteadOfTheWordNull() {
    CatalogGenerator mutated = new CatalogGenerator(42, 0.5, 5);
    int checked = 0;
    for (int i = 0; i < N; i++) {
      if (rows[i].getString(DESCRIPTION) == null && mutated.isMutated(i)) {
        assertThat(mutated.row(i).getString(DESCRIPTION)).as("row %d", i).startsWith("This edition adds a ");
        checked++;
      }
    }
    assertThat(checked).as("items without description that are mutated").isPositive();
  }

  @Test
  void mutateSeedPicksOtherItemsAndZeroFractionPicksNone() {
    CatalogGenerator a = new CatalogGenerator(42, 0.1, 5);
    CatalogGenerator b = new CatalogGenerator(42, 0.1, 6);
    CatalogGenerator none = new CatalogGenerator(42, 0, 5);
    int differ = 0;
    for (int i = 0; i < 2_000; i++) {
      if (a.isMutated(i) != b.isMutated(i)) {
        differ++;
      }
      assertThat(none.isMutated(i)).isFalse();
      assertThat(a.isMutated(i)).isEqualTo(new CatalogGenerator(42, 0.1, 5).isMutated(i));
    }
    assertThat(differ).isPositive();
  }

  @Test
  void brandsAreDistinctlyNamedAndStable() {
    String[] brands = CatalogGenerator.brands();
    assertThat(brands).hasSize(300).doesNotContainNull();
    assertThat(brands).containsExactly(CatalogGenerator.brands());
    assertThat(brands).allMatch(b -> Character.isUpperCase(b.charAt(0)));
    assertThat(Objects.requireNonNull(brands[0])).isEqualTo("Norvikix");
  }
}
