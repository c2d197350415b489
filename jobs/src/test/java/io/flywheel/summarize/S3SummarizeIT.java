package io.flywheel.summarize;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.job.JobRunner;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.run.RunLog;
import io.flywheel.testing.TestSpark;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summarize job with its catalog and warehouse on s3a://, against an S3 server in this JVM. The
 * fs.s3a.* settings go on the shared session's Hadoop configuration and are put back afterwards.
 */
class S3SummarizeIT {
  private static final String BUCKET = "flywheel-it";
  private static final int START_TIMEOUT_SECONDS = 30;
  private static S3Proxy s3;
  private static BlobStoreContext store;
  /** The shared configuration's values before this class set them (null: unset). */
  private static final Map<String, String> previous = new HashMap<>();
  private final SparkSession spark = TestSpark.session();

  @TempDir Path dir;

  @BeforeAll
  static void startS3() throws Exception {
    store = ContextBuilder.newBuilder("transient").credentials("id", "cred").build(BlobStoreContext.class);
    s3 = S3Proxy.builder()
        .blobStore(store.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test-access", "test-secret")
        .build();
    s3.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (!s3.getState().equals("STARTED")) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("s3proxy not started after " + START_TIMEOUT_SECONDS + " s: " + s3.getState());
      }
      Thread.sleep(10);
    }
    store.getBlobStore().createContainerInLocation(null, BUCKET);
    Map<String, String> settings = new HashMap<>();
    settings.put("fs.s3a.endpoint", "http://127.0.0.1:" + s3.getPort());
    settings.put("fs.s3a.path.style.access", "true");
    settings.put("fs.s3a.connection.ssl.enabled", "false");
    settings.put("fs.s3a.endpoint.region", "us-east-1");
    settings.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    settings.put("fs.s3a.access.key", "test-access");
    settings.put("fs.s3a.secret.key", "test-secret");
    settings.put("fs.s3a.impl.disable.cache", "true");
    Configuration conf = TestSpark.session().sparkContext().hadoopConfiguration();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      previous.put(e.getKey(), conf.getRaw(e.getKey()));
      conf.set(e.getKey(), e.getValue());
    }
  }

  @AfterAll
  static void stopS3() throws Exception {
    // The session is shared by every test class of this JVM: leave its configuration as it was.
    Configuration conf = TestSpark.session().sparkContext().hadoopConfiguration();
    for (Map.Entry<String, String> e : previous.entrySet()) {
      if (e.getValue() == null) {
        conf.unset(e.getKey());
      } else {
        conf.set(e.getKey(), e.getValue());
      }
    }
    previous.clear();
    if (s3 != null) {
      s3.stop();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void summarizesACatalogOnS3IntoAWarehouseOnS3AndRerunsWithoutCalls() {
    String root = "s3a://" + BUCKET + "/t" + System.nanoTime();
    GenerateJob.catalog(spark, 120, new CatalogGenerator(3, 0, 1))
        .write().format("delta").save(root + "/catalog");
    List<String> sets = List.of("warehouse.root=" + root + "/warehouse", "catalog.path=" + root + "/catalog");

    RunLog first = JobRunner.run(new SummarizeJob(), TestSpark.context("summarize", dir, LocalDate.of(2026, 11, 28), false, sets));
    RunLog second = JobRunner.run(new SummarizeJob(), TestSpark.context("summarize", dir, LocalDate.of(2026, 11, 29), false, sets));

    assertThat(first.get("items_read")).isEqualTo(120);
    assertThat(first.get("calls")).isGreaterThan(100);
    assertThat(second.get("calls")).isZero();
    assertThat(spark.read().format("delta").load(root + "/warehouse/summaries").count()).isEqualTo(first.get("ok"));
    assertThat(store.getBlobStore().list(BUCKET)).isNotEmpty();
  }
}
