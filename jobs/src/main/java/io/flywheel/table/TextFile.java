package io.flywheel.table;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * A file beside the tables (a report, a review page, an export and its manifest, sample data's ground
 * truth) at a local path or at any URI Hadoop reaches ({@code s3a://}), through the session's Hadoop
 * configuration, so that every job works with {@code warehouse.root} on S3 (docs/s3.md). A file is
 * replaced whole: a reader never sees half of one.
 */
public final class TextFile {
  private TextFile() {}

  /** True for a plain path or a {@code file:} URI; false for {@code s3a://} and other file systems. */
  public static boolean isLocal(String path) {
    return !path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || path.startsWith("file:");
  }

  /** {@code child} under {@code dir}, for local paths and URIs alike. */
  public static String resolve(String dir, String child) {
    return (dir.endsWith("/") ? dir : dir + "/") + child;
  }

  /** Writes {@code text} (UTF-8) to {@code path}, parent folders created, replacing the file whole. */
  public static String write(SparkSession spark, String path, String text) {
    if (isLocal(path)) {
      writeLocal(Warehouse.localPath(path).toAbsolutePath(), text);
      return path;
    }
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      // An S3 object becomes visible only when its upload completes, so no temporary name is needed
      // (a rename on S3 is a copy).
      try (OutputStream out = fs.create(p, true)) {
        out.write(text.getBytes(UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
    return path;
  }

  /** Copies the local file {@code from} to {@code to} (a local path or a URI), replacing it whole. */
  public static String upload(SparkSession spark, java.nio.file.Path from, String to) {
    if (isLocal(to)) {
      try {
        java.nio.file.Path target = Warehouse.localPath(to).toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.copy(from, target, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
      }
      return to;
    }
    Path p = new Path(to);
    // Streamed through create() as write() does, not copyFromLocalFile: S3A's transfer manager signs
    // its uploads in a way S3-compatible servers (s3proxy) reject, and create() is the same upload.
    try (OutputStream out = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(p, true)) {
      Files.copy(from, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
    }
    return to;
  }

  /** The whole file as UTF-8 text. */
  public static String read(SparkSession spark, String path) throws IOException {
    if (isLocal(path)) {
      return Files.readString(Warehouse.localPath(path));
    }
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(p)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  /** True when {@code path} names an existing file or folder. */
  public static boolean exists(SparkSession spark, String path) {
    if (isLocal(path)) {
      return Files.exists(Warehouse.localPath(path));
    }
    Path p = new Path(path);
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code text} (UTF-8) to the local file {@code target}, parent folders created: beside its
   * final name first, then moved over it, so a reader never sees half a file.
   */
  public static void writeLocal(java.nio.file.Path target, String text) {
    try {
      Files.createDirectories(target.getParent());
      // Not Files.createTempFile: its owner-only permissions would stay on the file.
      java.nio.file.Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
      try {
        Files.writeString(tmp, text, UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }
}
