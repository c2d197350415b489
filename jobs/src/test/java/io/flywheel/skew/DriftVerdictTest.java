package io.flywheel.skew;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Thresholds, the near-constant rule and the history rule of {@link DriftVerdict}, worked by hand. */
class DriftVerdictTest {
  private static Map<String, Double> numeric(Double js, Double psi, Double w) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("js", js);
    m.put("psi", psi);
    m.put("wasserstein_norm", w);
    return m;
  }

  @Test
  void aDistanceOverTheThresholdIsABreachAndAnAlertNamingIt() {
    DriftVerdict v = DriftVerdict.judge(numeric(0.05, 0.31, 0.09), Set.of(), 0.1, Map.of(), 14, 3);
    assertThat(v.breached()).isTrue();
    assertThat(v.breachedBy()).containsExactly("psi");
    assertThat(v.reliable()).isTrue();
    assertThat(v.alert()).isTrue();
    assertThat(v.alertReason()).isEqualTo("psi 0.310 > threshold 0.100");
  }

  @Test
  void distancesAtOrUnderTheThresholdAreNoBreach() {
    DriftVerdict v = DriftVerdict.judge(numeric(0.1, 0.0, 0.099), Set.of(), 0.1, Map.of(), 14, 3);
    assertThat(v.breached()).isFalse();
    assertThat(v.breachedBy()).isEmpty();
    assertThat(v.alert()).isFalse();
    assertThat(v.alertReason()).isNull();
  }

  @Test
  void anUnreliableWassersteinIsStoredButNeverABreach() {
    // The control pair's fragment_share: W1/sd over 0.1 on noise alone, JS and PSI low.
    DriftVerdict v = DriftVerdict.judge(numeric(0.03, 0.006, 0.13), Set.of("wasserstein_norm"), 0.1, Map.of(), 14, 3);
    assertThat(v.breached()).isFalse();
    assertThat(v.reliable()).isFalse();
    assertThat(v.alert()).isFalse();
  }

  @Test
  void theNearConstantRuleLooksAtTheDevStandardDeviation() {
    assertThat(DriftVerdict.wassersteinReliable(0.0099, 0.01)).isFalse();
    assertThat(DriftVerdict.wassersteinReliable(0.01, 0.01)).isTrue();
    assertThat(DriftVerdict.wassersteinReliable(null, 0.01)).isFalse();
  }

  @Test
  void aFeatureWithoutValuesIsNeitherBreachedNorReliable() {
    DriftVerdict v = DriftVerdict.judge(numeric(null, null, null), Set.of(), 0.1, Map.of(), 14, 3);
    assertThat(v.breached()).isFalse();
    assertThat(v.reliable()).isFalse();
    assertThat(DriftVerdict.noValues()).isEqualTo(v);
  }

  @Test
  void aDistanceFarFromItsHistoryAlertsWithoutABreach() {
    // Past js: 0.010, 0.012, 0.011, 0.014 -> mean 0.01175, sample sd 0.00171; 0.05 is 22.4 sd away.
    Map<String, List<Double>> history = Map.of("js", List.of(0.010, 0.012, 0.011, 0.014));
    DriftVerdict v = DriftVerdict.judge(numeric(0.05, 0.02, 0.03), Set.of(), 0.1, history, 14, 3);
    assertThat(v.breached()).isFalse();
    assertThat(v.alert()).isTrue();
    assertThat(v.alertReason()).isEqualTo("js 0.050 is 22.4 sd from its last 4 runs (mean 0.012, sd 0.002)");
  }

  @Test
  void theHistoryRuleNeedsThreePastValuesAndLooksOnlyAtTheLastHistoryRuns() {
    assertThat(DriftVerdict.historyReason("js", 0.05, List.of(0.01, 0.011), 14, 3)).isNull();
    // Only the 3 most recent count: 0.05, 0.051, 0.049 (mean 0.05, sd 0.001): 0.0505 is 0.5 sd away.
    assertThat(DriftVerdict.historyReason("js", 0.0505, List.of(0.05, 0.051, 0.049, 0.0, 0.0, 0.0), 3, 3))
        .isNull();
    assertThat(DriftVerdict.historyReason("js", 0.0505, List.of(0.05, 0.051, 0.049, 0.0, 0.0, 0.0), 6, 3))
        .isNull();
    assertThat(DriftVerdict.historyReason("js", 0.2, List.of(0.05, 0.051, 0.049, 0.0, 0.0, 0.0), 3, 3))
        .startsWith("js 0.200 is ");
  }

  @Test
  void aConstantHistoryAlertsOnlyPastAThousandthPerSigma() {
    // sd 0 -> the floor 0.001: 3 sigmas = 0.003.
    List<Double> zeros = List.of(0.0, 0.0, 0.0);
    assertThat(DriftVerdict.historyReason("psi", 0.0029, zeros, 14, 3)).isNull();
    assertThat(DriftVerdict.historyReason("psi", 0.0031, zeros, 14, 3))
        .isEqualTo("psi 0.003 is 3.1 sd from its last 3 runs (mean 0.000, sd 0.000)");
  }

  @Test
  void aDropFarBelowTheHistoryAlertsToo() {
    assertThat(DriftVerdict.historyReason("linf", 0.0, List.of(0.5, 0.52, 0.48, 0.5), 14, 3)).contains("linf 0.000");
  }
}
