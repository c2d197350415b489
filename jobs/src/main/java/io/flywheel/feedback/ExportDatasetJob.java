package io.flywheel.feedback;

import static org.apache.spark.sql.functions.col;

import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
import io.flywheel.udfs.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Writes the feedback datasets as JSON Lines files that trainers read (OpenAI chat and preference,
 * TRL SFT, DPO and KTO), split into train and validation by user, with a manifest of the Delta
 * versions read, the counts and a SHA-256 per file. Run it with
 * {@code bin/flywheel export-dataset --name 2026-11-w48 [--from-manifest FILE]}. A job on the
 * contract, so every export is audited in {@code runs} and can be scheduled after {@code feedback};
 * it writes files, no table. See docs/feedback.md#export-dataset.
 */
public final class ExportDatasetJob implements Job {
  static final String JOB = "export-dataset";
  /** The datasets trainers read; {@code binary_labels} is read as a table. */
  static final List<FeedbackDataset> EXPORTED =
      List.of(FeedbackDataset.SFT_EXAMPLES, FeedbackDataset.PREFERENCE_PAIRS, FeedbackDataset.KTO_EXAMPLES);

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "write the feedback datasets as trainer JSON Lines files with a manifest (--name N)";
  }

  @Override
  public String configSection() {
    return "feedback.export";
  }

  @Override
  public Map<String, String> options() {
    return Map.of("name", "feedback.export.name", "from-manifest", "feedback.export.from_manifest");
  }

  @Override
  public List<Table> tables() {
    return List.of();
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.feedback().export();
  }

  /**
   * The export folder: {@code feedback.export.dir}/{@code name}, by default under the warehouse root;
   * a local path or a URI ({@code s3a://}).
   */
  static String folder(RunContext ctx) {
    FlywheelConfig.FeedbackExport x = ctx.config().feedback().export();
    String dir = x.dir() == null || x.dir().isBlank() ? ctx.warehouse().root() + "/exports" : x.dir();
    return io.flywheel.table.TextFile.resolve(dir, x.name());
  }

  /** Fixes the Delta version of every dataset to read (the latest, or the manifest's) and counts the examples. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.FeedbackExport x = ctx.config().feedback().export();
    Map<String, Long> versions = x.fromManifest() == null || x.fromManifest().isBlank()
        ? latestVersions(ctx.spark(), ctx.warehouse())
        : manifestVersions(ctx.spark(), x.fromManifest());
    String out = folder(ctx);
    Map<FeedbackDataset, Dataset<Row>> data = new TreeMap<>();
    long examples = 0;
    for (FeedbackDataset d : EXPORTED) {
      Dataset<Row> rows = readAt(ctx, d, versions.getOrDefault(d.tableName(), -1L))
          .transform(r -> DatasetSplit.withSplit(r, ctx.config().feedback().validationFraction(),
              ctx.config().feedback().splitSalt()))
          .persist(StorageLevel.MEMORY_AND_DISK());
      long n = rows.count();
      log.count("plan_" + d.tableName(), n);
      examples += n;
      data.put(d, rows);
    }
    log.count("plan_calls", 0);
    log.timed("read", t0);
    System.out.printf(Locale.ROOT, "export-dataset plan: %d examples at Delta versions %s, %d formats x 2 splits to %s%n",
        examples, versions, ExportFormat.values().length, out);
    return new Run(ctx, versions, data, out);
  }

  /** The current version of every exported dataset's table; -1 for a table not created yet (read as empty). */
  static Map<String, Long> latestVersions(org.apache.spark.sql.SparkSession spark, Warehouse wh) {
    Map<String, Long> out = new TreeMap<>();
    for (FeedbackDataset d : EXPORTED) {
      Table t = FeedbackJob.table(d);
      out.put(d.tableName(), wh.exists(t)
          ? io.delta.tables.DeltaTable.forPath(spark, wh.path(t)).history(1).select("version").first().getLong(0)
          : -1L);
    }
    return out;
  }

  private static Map<String, Long> manifestVersions(org.apache.spark.sql.SparkSession spark, String manifest) {
    try {
      return ExportManifest.fromJson(io.flywheel.table.TextFile.read(spark, manifest)).deltaVersions();
    } catch (IOException e) {
      throw new ConfigException("key 'feedback.export.from_manifest': cannot read " + manifest + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("key 'feedback.export.from_manifest': " + manifest + " is " + e.getMessage(), e);
    }
  }

  /** A dataset's rows at {@code version} (Delta time travel); empty with the table's columns for -1. */
  private static Dataset<Row> readAt(RunContext ctx, FeedbackDataset d, long version) {
    Table t = FeedbackJob.table(d);
    if (version < 0) {
      return ctx.spark().createDataFrame(List.of(), t.schema());
    }
    try {
      return ctx.spark().read().format("delta").option("versionAsOf", version).load(ctx.warehouse().path(t));
    } catch (RuntimeException e) {
      // A version removed by VACUUM or log cleanup can no longer be read: say which and why.
      throw new ConfigException("key 'feedback.export.from_manifest': " + t.tableName() + " version " + version
          + " cannot be read (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
          + "); time travel reaches back only as far as delta.logRetentionDuration and the last VACUUM allow", e);
    }
  }

  /**
   * The hash of the settings that shape the files (token limit, split fraction and salt), so that a
   * manifest does not change with unrelated settings, nor with {@code --name} or {@code --from-manifest}.
   */
  static String exportConfigHash(FlywheelConfig.Feedback f) {
    return Hashing.sha256Parts(List.of("feedback-export-v1", Long.toString(f.maxTokens()),
        Double.toString(f.validationFraction()), f.splitSalt())).substring(0, 16);
  }

  /** The planned export: every format, both splits, then the manifest. */
  private record Run(RunContext ctx, Map<String, Long> versions, Map<FeedbackDataset, Dataset<Row>> data, String out)
      implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      long t0 = System.nanoTime();
      FlywheelConfig.Feedback f = ctx.config().feedback();
      List<ExportManifest.FileEntry> files = new ArrayList<>();
      long written = 0;
      long refused = 0;
      List<String> refusals = new ArrayList<>();
      // A remote folder (s3a://) gets the files once they are complete: written here first, then
      // copied, the manifest last, so a reader that finds the manifest finds every file it lists.
      boolean remote = !io.flywheel.table.TextFile.isLocal(out);
      Path local = remote ? staging() : Warehouse.localPath(out);
      for (ExportFormat format : ExportFormat.values()) {
        for (String split : List.of(DatasetSplit.TRAIN, DatasetSplit.VALIDATION)) {
          String rel = split + "/" + format.code() + ".jsonl";
          JsonlExport.Result r = JsonlExport.write(local.resolve(rel), format,
              data.get(format.source()).filter(col("split").equalTo(split)).orderBy("example_id").toLocalIterator(),
              f.maxTokens(), row -> ExampleRows.toExample(format, row));
          files.add(ExportManifest.entry(rel, split, r));
          log.count("rows_" + split + "_" + format.code(), r.rows());
          written += r.rows();
          refused += r.refused().size();
          r.refused().stream().limit(3).forEach(x -> refusals.add(rel + ": " + x.exampleId() + ": " + x.reason()));
        }
      }
      ExportManifest manifest = new ExportManifest(ctx.config().feedback().export().name(), exportConfigHash(f), versions, files);
      writeAtomically(local.resolve("manifest.json"), manifest.toJson());
      if (remote) {
        try {
          for (ExportManifest.FileEntry e : files) {
            io.flywheel.table.TextFile.upload(ctx.spark(), local.resolve(e.path()), out + "/" + e.path());
          }
          io.flywheel.table.TextFile.upload(ctx.spark(), local.resolve("manifest.json"), out + "/manifest.json");
        } finally {
          deleteTree(local);
        }
      }
      log.count("rows_written", written);
      log.count("rows_refused", refused);
      log.timed("export", t0);
      System.out.printf(Locale.ROOT, "export-dataset: %d rows in %d files, %d refused by their format's rules; manifest %s%n",
          written, files.size(), refused, out + "/manifest.json");
      refusals.forEach(x -> System.out.println("  refused " + x));
      double max = f.export().maxFailureRatio();
      if (written + refused > 0 && (double) refused / (written + refused) > max) {
        return String.format(Locale.ROOT, "%d refused of %d examples exceeds max_failure_ratio %.3f"
            + " (feedback.export.max_failure_ratio)", refused, written + refused, max);
      }
      return null;
    }

    @Override
    public void close() {
      data.values().forEach(Dataset::unpersist);
    }
  }

  private static Path staging() {
    try {
      return Files.createTempDirectory("flywheel-export-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a local staging folder for the export", e);
    }
  }

  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // Only a leftover temporary folder: the export itself is complete.
      System.err.println("export-dataset: could not remove the staging folder " + dir + ": " + e.getMessage());
    }
  }

  private static void writeAtomically(Path file, String text) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
