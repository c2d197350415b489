package io.flywheel.testing;

import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * An S3-compatible server (s3proxy over an in-memory blob store) inside the test JVM, with one bucket,
 * and the {@code fs.s3a.*} settings that point the shared session at it; {@link #close} puts the
 * session's previous values back and stops the server. Recipe: /work/shared/RECIPES.md, "S3 without AWS".
 */
public final class InJvmS3 implements AutoCloseable {
  private static final int START_TIMEOUT_SECONDS = 30;
  private final String bucket;
  private final BlobStoreContext store;
  private final S3Proxy server;
  /** The shared configuration's values before {@link #start} set them (null: unset). */
  private final Map<String, String> previous = new HashMap<>();

  private InJvmS3(String bucket, BlobStoreContext store, S3Proxy server) {
    this.bucket = bucket;
    this.store = store;
    this.server = server;
  }

  /** Starts the server, creates {@code bucket} and sets the shared session's {@code fs.s3a.*} to reach it. */
  public static InJvmS3 start(String bucket) throws Exception {
    BlobStoreContext store = ContextBuilder.newBuilder("transient").credentials("id", "cred").build(BlobStoreContext.class);
    S3Proxy server = S3Proxy.builder()
        .blobStore(store.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test-access", "test-secret")
        .build();
    InJvmS3 s3 = new InJvmS3(bucket, store, server);
    try {
      server.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
      while (!server.getState().equals("STARTED")) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("s3proxy not started after " + START_TIMEOUT_SECONDS + " s: " + server.getState());
        }
        Thread.sleep(10);
      }
      store.getBlobStore().createContainerInLocation(null, bucket);
      Configuration conf = TestSpark.session().sparkContext().hadoopConfiguration();
      for (Map.Entry<String, String> e : s3aSettings(server.getPort()).entrySet()) {
        s3.previous.put(e.getKey(), conf.getRaw(e.getKey()));
        conf.set(e.getKey(), e.getValue());
      }
      return s3;
    } catch (Exception | AssertionError e) {
      s3.close();
      throw e;
    }
  }

  /**
   * What a test session needs to reach the server. Tests use fixed keys with the simple provider; a
   * deployment never puts keys in config: docs/s3.md (the default provider chain).
   */
  private static Map<String, String> s3aSettings(int port) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fs.s3a.endpoint", "http://127.0.0.1:" + port);
    s.put("fs.s3a.path.style.access", "true");
    s.put("fs.s3a.connection.ssl.enabled", "false");
    s.put("fs.s3a.endpoint.region", "us-east-1");
    s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    s.put("fs.s3a.access.key", "test-access");
    s.put("fs.s3a.secret.key", "test-secret");
    return s;
  }

  /** {@code s3a://<bucket>/<prefix>}. */
  public String uri(String prefix) {
    return "s3a://" + bucket + "/" + prefix;
  }

  public String bucket() {
    return bucket;
  }

  /** The server's blob store, to see what was written without going through S3A. */
  public BlobStore blobStore() {
    return store.getBlobStore();
  }

  @Override
  public void close() {
    // The session is shared by every test class of this JVM: leave its configuration as it was, and
    // drop the bucket's cached S3A client, which holds this server's endpoint. (Cached, not created per
    // call with fs.s3a.impl.disable.cache: Delta asks for the file system at every step.)
    Configuration conf = TestSpark.session().sparkContext().hadoopConfiguration();
    try {
      FileSystem.get(URI.create("s3a://" + bucket + "/"), conf).close();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("could not close the S3A client of " + bucket, e);
    }
    for (Map.Entry<String, String> e : previous.entrySet()) {
      if (e.getValue() == null) {
        conf.unset(e.getKey());
      } else {
        conf.set(e.getKey(), e.getValue());
      }
    }
    previous.clear();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop s3proxy", e);
    } finally {
      store.close();
    }
  }
}
