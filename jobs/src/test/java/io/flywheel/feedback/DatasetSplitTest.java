package io.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatasetSplitTest {
  @Test
  void aUserAlwaysLandsOnTheSameSide() {
    for (int i = 0; i < 200; i++) {
      String u = "U-" + i;
      assertThat(DatasetSplit.of(u, 0.1, "s")).isEqualTo(DatasetSplit.of(u, 0.1, "s"));
    }
    // Pinned values: a change in the hash would move users between sides across exports.
    // SHA-256 of "8:feedback9:U-0000001" starts 9992d07238986: 0x9992d07238986 / 2^52.
    assertThat(DatasetSplit.bucket("U-0000001", "feedback")).isCloseTo(0.5998964575634047, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(DatasetSplit.bucket("U-0000002", "feedback")).isCloseTo(0.9040228211947392, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(DatasetSplit.bucket("U-0000001", "feedback")).isNotEqualTo(DatasetSplit.bucket("U-0000001", "other"));
  }

  @Test
  void theValidationShareIsAboutTheFraction() {
    int validation = 0;
    for (int i = 0; i < 10_000; i++) {
      if (DatasetSplit.of("user-" + i, 0.2, "feedback").equals(DatasetSplit.VALIDATION)) {
        validation++;
      }
    }
    assertThat(validation).isBetween(1850, 2150);
  }

  @Test
  void raisingTheFractionOnlyMovesUsersIntoValidation() {
    for (int i = 0; i < 2_000; i++) {
      String u = "user-" + i;
      if (DatasetSplit.of(u, 0.1, "s").equals(DatasetSplit.VALIDATION)) {
        assertThat(DatasetSplit.of(u, 0.3, "s")).isEqualTo(DatasetSplit.VALIDATION);
      }
    }
    assertThat(DatasetSplit.of("anyone", 0.0, "s")).isEqualTo(DatasetSplit.TRAIN);
    assertThat(DatasetSplit.of("anyone", 1.0, "s")).isEqualTo(DatasetSplit.VALIDATION);
  }

  @Test
  void badInputIsRefused() {
    assertThatThrownBy(() -> DatasetSplit.of(null, 0.1, "s")).hasMessageContaining("user_id is null");
    assertThatThrownBy(() -> DatasetSplit.of("u", 1.5, "s")).hasMessageContaining("within [0, 1], got 1.5");
  }
}
