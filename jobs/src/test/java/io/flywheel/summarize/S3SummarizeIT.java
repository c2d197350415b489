package io.flywheel.summarize;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.job.JobRunner;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.run.RunLog;
import io.flywheel.testing.InJvmS3;
import io.flywheel.testing.TestSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summarize job with its catalog and warehouse on s3a://, against an S3 server in this JVM
 * ({@link InJvmS3}, which puts the shared session's fs.s3a.* settings back afterwards).
 */
class S3SummarizeIT {
  private static InJvmS3 s3;
  private final SparkSession spark = TestSpark.session();

  @TempDir Path dir;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = InJvmS3.start("flywheel-it");
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void summarizesACatalogOnS3IntoAWarehouseOnS3AndRerunsWithoutCalls() {
    String root = s3.uri("t" + System.nanoTime());
    GenerateJob.catalog(spark, 120, new CatalogGenerator(3, 0, 1))
        .write().format("delta").save(root + "/catalog");
    List<String> sets = List.of("warehouse.root=" + root + "/warehouse", "catalog.path=" + root + "/catalog");

    RunLog first = JobRunner.run(new SummarizeJob(), TestSpark.context("summarize", dir, LocalDate.of(2026, 11, 28), false, sets));
    RunLog second = JobRunner.run(new SummarizeJob(), TestSpark.context("summarize", dir, LocalDate.of(2026, 11, 29), false, sets));

    assertThat(first.get("items_read")).isEqualTo(120);
    assertThat(first.get("calls")).isGreaterThan(100);
    assertThat(second.get("calls")).isZero();
    assertThat(spark.read().format("delta").load(root + "/warehouse/summaries").count()).isEqualTo(first.get("ok"));
    assertThat(s3.blobStore().list(s3.bucket())).isNotEmpty();
  }
}
