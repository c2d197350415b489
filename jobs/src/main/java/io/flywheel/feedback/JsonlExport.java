package io.flywheel.feedback;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Writes one JSON Lines file of one format: every example validated first (refused ones are listed
 * with their reason, never written), rows in ascending {@code example_id}, keys in a fixed order,
 * UTF-8, one {@code \n} per line; so the same examples always give the same bytes and the same
 * SHA-256 (docs/feedback.md#export).
 */
public final class JsonlExport {
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(SerializationFeature.INDENT_OUTPUT)
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  /** An example that failed its format's rules. */
  public record Refusal(String exampleId, String reason) {}

  /** What was written: rows, refusals, per-source counts, size and SHA-256 of the file. */
  public record Result(Path file, ExportFormat format, long rows, List<Refusal> refused,
      Map<String, Long> rowsBySourceEventType, long bytes, String sha256) {}

  private JsonlExport() {}

  /** {@code examples} sorted as files are written: by {@code example_id}. */
  public static List<TrainingExample> sorted(List<? extends TrainingExample> examples) {
    List<TrainingExample> out = new ArrayList<>(examples);
    out.sort(Comparator.comparing(TrainingExample::exampleId));
    return out;
  }

  /**
   * Writes {@code examples}, which must come in strictly ascending {@code example_id} (as
   * {@code orderBy("example_id").toLocalIterator()} gives them), to {@code file}, replacing it only
   * when complete.
   *
   * @throws IllegalArgumentException when the order is broken or an id repeats: the output would not be reproducible
   */
  public static Result write(Path file, ExportFormat format, Iterator<? extends TrainingExample> examples, long maxTokens) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    List<Refusal> refused = new ArrayList<>();
    Map<String, Long> bySource = new TreeMap<>();
    long rows = 0;
    long bytes = 0;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
        String previous = null;
        while (examples.hasNext()) {
          TrainingExample e = examples.next();
          if (e != null && e.exampleId() != null && previous != null && e.exampleId().compareTo(previous) <= 0) {
            throw new IllegalArgumentException("examples for " + file.getFileName() + " are not in strictly ascending"
                + " example_id order: " + e.exampleId() + " after " + previous);
          }
          if (e != null && e.exampleId() != null) {
            previous = e.exampleId();
          }
          Optional<String> problem = format.validate(e, maxTokens);
          if (problem.isPresent()) {
            refused.add(new Refusal(e == null ? null : e.exampleId(), problem.get()));
            continue;
          }
          byte[] line = (JSON.writeValueAsString(format.toJson(e)) + "\n").getBytes(StandardCharsets.UTF_8);
          out.write(line);
          bytes += line.length;
          rows++;
          bySource.merge(e.sourceEventType() == null ? "unknown" : e.sourceEventType(), 1L, Long::sum);
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // The error that brought us here matters more than a leftover temporary file.
      }
    }
    return new Result(file, format, rows, List.copyOf(refused), Map.copyOf(bySource), bytes,
        HexFormat.of().formatHex(sha.digest()));
  }

  /** {@link #write(Path, ExportFormat, Iterator, long)} over Spark rows, each turned into an example by {@code toExample}. */
  public static Result write(Path file, ExportFormat format, Iterator<org.apache.spark.sql.Row> rows, long maxTokens,
      java.util.function.Function<org.apache.spark.sql.Row, TrainingExample> toExample) {
    return write(file, format, new Iterator<TrainingExample>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public TrainingExample next() {
        return toExample.apply(rows.next());
      }
    }, maxTokens);
  }

  /** Hex SHA-256 of a file's bytes, to check a file against its manifest. */
  public static String sha256(Path file) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
