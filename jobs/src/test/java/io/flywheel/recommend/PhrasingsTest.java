package io.flywheel.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PhrasingsTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private static final Phrasings THREE =
      new Phrasings(List.of("Suggest items for this shopper.", "What would this customer buy next?", "Recommend products."));

  @Test
  void sameUserAndDateGiveTheSamePhrasing() {
    assertThat(THREE.forUser("u1", DAY)).isEqualTo(THREE.forUser("u1", DAY));
    assertThat(new Phrasings(List.of("a", "b", "c")).index("u1", DAY)).isEqualTo(THREE.index("u1", DAY));
  }

  @Test
  void aUserMovesToTheNextPhrasingEachDayAndSeesAllOfThem() {
    int first = THREE.index("u1", DAY);
    Set<String> seen = new HashSet<>();
    for (int d = 0; d < 3; d++) {
      assertThat(THREE.index("u1", DAY.plusDays(d))).isEqualTo((first + d) % 3);
      seen.add(THREE.forUser("u1", DAY.plusDays(d)));
    }
    assertThat(seen).hasSize(3);
  }

  @Test
  void usersOnOneDaySpreadOverAllPhrasings() {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int u = 0; u < 300; u++) {
      counts.merge(THREE.index("user-" + u, DAY), 1, Integer::sum);
    }
    assertThat(counts).containsOnlyKeys(0, 1, 2);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(70, 130));
  }

  @Test
  void datesBeforeTheEpochStillGiveAValidIndex() {
    assertThat(THREE.index("u1", LocalDate.of(1960, 1, 1))).isBetween(0, 2);
  }

  @Test
  void emptyOrBlankPhrasingsAreRejected() {
    assertThatThrownBy(() -> new Phrasings(List.of())).hasMessageContaining("at least one");
    assertThatThrownBy(() -> new Phrasings(List.of("ok", " "))).hasMessageContaining("phrasing 1 is blank");
  }
}
