package io.flywheel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.job.JobRunner;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.SummarizeJob;
import io.flywheel.table.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs the summarize job against a {@link FakeLlmServer} in a test folder, captures what it
 * prints, and reads back its tables; shared by the provider end-to-end tests.
 */
public final class ProviderRuns {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark = TestSpark.session();
  private final Path dir;
  private final List<String> base = new ArrayList<>();
  private final StringBuilder printed = new StringBuilder();

  /** A run folder whose key file holds {@code secret}, with the given provider settings. */
  public ProviderRuns(Path dir, String secret, List<String> sets) throws IOException {
    this.dir = dir;
    Path keyFile = dir.resolve("api-key");
    Files.writeString(keyFile, secret + "\n");
    base.add("llm.api_key_file=" + keyFile);
    // The calls are matched with the server's records by the prompt as sent, so it is logged raw.
    base.add("llm.log_raw_text=true");
    base.addAll(sets);
  }

  public void generate(long items, long seed) {
    GenerateJob.catalog(spark, items, new CatalogGenerator(seed, 0, 3))
        .write().format("delta").mode("overwrite").option("overwriteSchema", "true")
        .save(dir.resolve("catalog").toString());
  }

  /** Runs the job with the base settings plus {@code extra}, teeing what it prints. */
  public RunLog run(LocalDate day, String... extra) {
    List<String> sets = new ArrayList<>(base);
    sets.addAll(List.of(extra));
    RunContext ctx = TestSpark.context("summarize", dir, day, false, sets);
    PrintStream original = System.out;
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    System.setOut(new PrintStream(new Tee(original, copy), true, StandardCharsets.UTF_8));
    try {
      return JobRunner.run(new SummarizeJob(), ctx);
    } finally {
      System.setOut(original);
      printed.append(copy.toString(StandardCharsets.UTF_8));
    }
  }

  /** Everything the runs printed so far. */
  public String printed() {
    return printed.toString();
  }

  public Dataset<Row> table(Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  /** The calls of one run. */
  public List<Row> calls(String runId) {
    return table(Table.LLM_CALLS).where(org.apache.spark.sql.functions.col("run_id").equalTo(runId)).collectAsList();
  }

  /** The run id of the latest run. */
  public String lastRunId() {
    return table(Table.RUNS).orderBy(org.apache.spark.sql.functions.col("started_at").desc()).first().getAs("run_id");
  }

  /** The server's key of the item a stored call asked about (from its request JSON). */
  public static String itemKeyOf(Row call) {
    try {
      JsonNode request = JSON.readTree(call.getString(call.fieldIndex("request")));
      for (JsonNode m : request.path("body").path("messages")) {
        if (m.path("role").asText().equals("user")) {
          return FakeLlmServer.itemKey(m.path("content").asText());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no user message in " + call);
  }

  public static String str(Row r, String column) {
    return r.getString(r.fieldIndex(column));
  }

  /** Fails when {@code secret} appears in any row of any table, in the test log or in what was printed. */
  public void assertSecretNowhere(String secret) throws IOException {
    List<String> searched = new ArrayList<>();
    for (Table t : Table.values()) {
      Path p = dir.resolve("warehouse").resolve(t.tableName());
      if (Files.isDirectory(p)) {
        searched.add(t.tableName());
        for (String row : table(t).toJSON().collectAsList()) {
          assertThat(row).as("a row of %s", t.tableName()).doesNotContain(secret);
        }
      }
    }
    assertThat(searched).as("tables searched for the key").contains(Table.RUNS.tableName(), Table.LLM_CALLS.tableName());
    // Written by log4j2-test.properties for every test JVM; a missing file would hide a leak.
    Path log = Path.of("target/test-logs/tests.log");
    assertThat(log).as("the test log").exists();
    assertThat(Files.readString(log, StandardCharsets.ISO_8859_1)).as("%s", log).doesNotContain(secret);
    try (Stream<Path> files = Files.walk(dir.resolve("warehouse"))) {
      List<Path> metadata = files.filter(f -> f.toString().endsWith(".json") || f.toString().endsWith(".crc")).toList();
      assertThat(metadata).as("Delta log files").isNotEmpty();
      for (Path f : metadata) {
        assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as("%s", f).doesNotContain(secret);
      }
    }
    assertThat(printed()).doesNotContain(secret);
  }

  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }
}
