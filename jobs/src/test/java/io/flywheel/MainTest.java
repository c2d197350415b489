package io.flywheel;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.job.Job;
import io.flywheel.job.Jobs;
import org.junit.jupiter.api.Test;

/** The usage text and the registry listing come from {@link Jobs}, never from a second list. */
class MainTest {
  @Test
  void usageAndJobsListingNameEveryRegisteredJob() {
    for (Job j : Jobs.ALL) {
      assertThat(Main.usage()).contains("  " + j.name() + " ").contains(j.description());
      assertThat(Main.jobsText()).contains(j.name());
      assertThat(Main.jobsJson()).contains("\"name\": \"" + j.name() + "\"");
    }
  }

  @Test
  void helpPrintsUsageAndSucceeds() {
    assertThat(Main.run(new String[] {"--help"})).isZero();
  }
}
