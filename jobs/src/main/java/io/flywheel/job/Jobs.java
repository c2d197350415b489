package io.flywheel.job;

import io.flywheel.eval.EvalAssertJob;
import io.flywheel.eval.EvalJudgeJob;
import io.flywheel.eval.JudgeCalibrationJob;
import io.flywheel.eval.ReviewSampleJob;
import io.flywheel.eval.ShadowReportJob;
import io.flywheel.feedback.ExportDatasetJob;
import io.flywheel.feedback.FeedbackJob;
import io.flywheel.recommend.RecommendJob;
import io.flywheel.skew.SkewJob;
import io.flywheel.summarize.SummarizeJob;
import java.util.List;
import java.util.Optional;

/**
 * The registry of jobs: {@code Main}, the usage text, {@code flywheel jobs --json} and the Airflow
 * DAG tests all read this list. A new job is one line here.
 */
public final class Jobs {
  /** Every job, in the order the usage text lists them. */
  public static final List<Job> ALL =
      List.of(new SummarizeJob(), new RecommendJob(), new SkewJob(), new FeedbackJob(), new ExportDatasetJob(),
          new EvalAssertJob(), new ReviewSampleJob(), new EvalJudgeJob(), new JudgeCalibrationJob(), new ShadowReportJob());

  private Jobs() {}

  public static Optional<Job> byName(String name) {
    return ALL.stream().filter(j -> j.name().equals(name)).findFirst();
  }
}
