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

  @Test
  void exportDatasetOptionsAreItsConfigKeysAndAnExplicitSetWins() {
    io.flywheel.run.CliArgs cli = io.flywheel.run.CliArgs.parse(new String[] {"export-dataset", "--name", "w48",
        "--from-manifest", "exports/w47/manifest.json", "--set", "feedback.export.name=override"});
    assertThat(Main.withOptionSets(cli)).containsExactly("feedback.export.name=w48",
        "feedback.export.from_manifest=exports/w47/manifest.json", "feedback.export.name=override");
    assertThat(Main.withOptionSets(io.flywheel.run.CliArgs.parse(new String[] {"feedback", "--name", "x"}))).isEmpty();
  }

  @Test
  void evalJobOptionsAreTheirConfigKeys() {
    assertThat(Main.withOptionSets(io.flywheel.run.CliArgs.parse(new String[] {"eval-assert", "--suite", "strict",
            "--target", "llm_calls", "--target-run", "r1", "--target-job", "recommend", "--run-date", "2026-11-28"})))
        .containsExactly("eval.assert.suite=strict", "eval.assert.target=llm_calls", "eval.assert.run_id=r1",
            "eval.assert.job=recommend");
    assertThat(Main.withOptionSets(io.flywheel.run.CliArgs.parse(new String[] {"review-sample", "--answers", "a.json",
            "--reviewer", "ana"})))
        .containsExactly("eval.review.answers=a.json", "eval.review.reviewer=ana");
    assertThat(Main.withOptionSets(io.flywheel.run.CliArgs.parse(new String[] {"eval-judge", "--a-run", "r1", "--b",
            "shadow_outputs", "--b-job", ""})))
        .containsExactlyInAnyOrder("eval.judge.a.run_id=r1", "eval.judge.b.target=shadow_outputs", "eval.judge.b.job=");
  }

  @Test
  void exportDatasetListsItsNestedConfigSection() {
    assertThat(Main.jobsJson()).contains("\"name\": \"export-dataset\", \"config_section\": \"feedback.export\"");
  }
}
