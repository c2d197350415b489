package io.flywheel.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flywheel.Main;
import io.flywheel.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyst notebooks of notebooks/ executed in real Jupyter (nbclient, the Flywheel kernel in its
 * own JVM) against a warehouse the jobs wrote from generated data, through {@code flywheel notebook
 * run}: every notebook runs, no cell errs, every SQL cell shows rows, each draws a chart; and a cell
 * that errs or shows nothing fails the run. Skips where Jupyter's nbclient is not installed, fails
 * then under CI=true (.ci/run installs it).
 */
class NotebooksIT {
  private static final String DAY = "2026-11-21";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path shared;

  @BeforeAll
  static void needsJupyter() {
    Optional<String> python = NotebookCommand.python(System.getenv());
    if (python.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true but no Python with nbclient: .ci/run installs " + NotebookCommand.PACKAGES);
    }
    Assumptions.assumeTrue(python.isPresent(), "Jupyter's nbclient is not installed (apt-get install " + NotebookCommand.PACKAGES + ")");
  }

  /** {@code --conf conf/local.yaml} with every path under {@code dir}. */
  private static List<String> conf(Path dir) {
    Path conf = TestSpark.confDir();
    return List.of("--conf", conf.resolve("local.yaml").toString(),
        "--set", "warehouse.root=" + dir.resolve("warehouse"),
        "--set", "catalog.path=" + dir.resolve("input").resolve("catalog"),
        "--set", "recommend.purchases_path=" + dir.resolve("input").resolve("purchases"),
        "--set", "feedback.events_path=" + dir.resolve("input").resolve("feedback_events"),
        "--set", "summarize.prompts_dir=" + conf.resolve("prompts"));
  }

  private static int main(Path dir, PrintStream err, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(conf(dir));
    return Main.execute(all.toArray(String[]::new), err);
  }

  private static void job(Path dir, String... args) {
    jobOn(DAY, dir, args);
  }

  private static void jobOn(String day, Path dir, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--run-date", day));
    int code = main(dir, new PrintStream(err, true, StandardCharsets.UTF_8), all.toArray(String[]::new));
    assertThat(code).as(String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8)).isZero();
  }

  /** The repository's notebooks/ folder, from the jobs module's working directory. */
  private static Path notebooksDir() {
    return TestSpark.confDir().getParent().resolve("notebooks");
  }

  @Test
  void everyNotebookRunsCleanOnAWarehouseTheJobsWrote() throws Exception {
    TestSpark.session();
    Path dir = shared.resolve("pipeline");
    Path skew = dir.resolve("input").resolve("skew");
    job(dir, "generate", "--items", "30", "--seed", "7", "--users", "10");
    job(dir, "summarize");
    // Feedback before recommend and skew: generate --feedback pairs ok calls by request_key and fails
    // (NullPointerException in FeedbackGenerator.pairwise) when two have none, as recommend's may.
    job(dir, "generate", "--feedback", "--seed", "5");
    // The feedback job reads the events before its run date + 1 day; the generated events follow the
    // calls' wall-clock times by up to 60 days (docs/feedback.md), so its run date is after them all.
    String feedbackDay = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(61).toString();
    jobOn(feedbackDay, dir, "feedback");
    jobOn(feedbackDay, dir, "export-dataset", "--name", "it");
    job(dir, "recommend");
    job(dir, "generate", "--skew", "--out", skew.toString(), "--dev-rows", "40", "--prod-rows", "60", "--seed", "42");
    // The clusters need the embedding step: a few texts per side and k = 3 keep it to seconds.
    job(dir, "skew", "--set", "skew.dev.path=" + skew.resolve("dev"), "--set", "skew.prod.path=" + skew.resolve("prod_llm_calls"),
        "--set", "skew.embed.sample_per_side=40", "--set", "skew.clusters.k=3", "--set", "skew.nondeterminism.sample=2");

    // Kept after the test (target/ is git-ignored), to open the executed copies when it fails.
    Path out = Path.of("target", "notebooks-it").toAbsolutePath();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = main(dir, new PrintStream(err, true, StandardCharsets.UTF_8), "notebook", "run", notebooksDir().toString(),
        "--out", out.toString());

    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    List<Path> committed;
    try (Stream<Path> files = Files.list(notebooksDir())) {
      committed = files.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
    }
    assertThat(committed).hasSizeGreaterThanOrEqualTo(5);
    for (Path notebook : committed) {
      JsonNode nb = JSON.readTree(out.resolve(notebook.getFileName()).toFile());
      String name = notebook.getFileName().toString();
      int charts = 0;
      for (JsonNode cell : nb.get("cells")) {
        if (!cell.get("cell_type").asText().equals("code")) {
          continue;
        }
        String source = source(cell);
        assertThat(NotebookCell.parse(source).isEmpty()).as(name + ": a code cell without SQL").isFalse();
        List<JsonNode> results = new ArrayList<>();
        for (JsonNode o : cell.get("outputs")) {
          // No error, and no stream: a log line or progress bar in a notebook is a kernel bug.
          assertThat(o.get("output_type").asText()).as(name + ": " + source + "\n" + o).isIn("execute_result", "display_data");
          if (o.get("output_type").asText().equals("execute_result")) {
            results.add(o);
          }
        }
        assertThat(results).as(name + ": one result of " + source).hasSize(1);
        JsonNode result = results.get(0);
        assertThat(result.at("/metadata/flywheel/rows").asInt()).as(name + ": rows of " + source).isPositive();
        if (result.get("data").has("image/png")) {
          byte[] png = Base64.getDecoder().decode(text(result.get("data").get("image/png")).replaceAll("\\s", ""));
          assertThat(png).startsWith(0x89, 'P', 'N', 'G');
          charts++;
        } else {
          assertThat(text(result.get("data").get("text/html"))).contains("<table");
          assertThat(text(result.get("data").get("text/plain"))).contains("row");
        }
      }
      assertThat(charts).as(name + ": charts").isPositive();
    }
  }

  @Test
  void aCellThatErrsOrShowsNothingFailsTheRunAndTheExecutedCopySaysWhy() throws Exception {
    TestSpark.session();
    Path dir = shared.resolve("bad");
    TestSpark.session().range(3).toDF("n").write().format("delta").save(dir.resolve("warehouse").resolve("runs").toString());
    Path notebooks = Files.createDirectories(dir.resolve("notebooks"));
    Files.writeString(notebooks.resolve("a_empty.ipynb"), notebook("SELECT n FROM runs WHERE n > 100", "SELECT 1 AS never_reached"));
    Files.writeString(notebooks.resolve("b_error.ipynb"), notebook("SELECT count(*) AS n FROM runs", "SELECT * FROM no_such_table"));
    Path out = dir.resolve("executed");

    int code = main(dir, System.err, "notebook", "run", notebooks.toString(), "--out", out.toString());

    assertThat(code).isEqualTo(1);
    JsonNode empty = JSON.readTree(out.resolve("a_empty.ipynb").toFile());
    assertThat(errorOf(empty.get("cells").get(1))).contains("no rows").contains("SELECT n FROM runs WHERE n > 100");
    assertThat(empty.get("cells").get(2).get("outputs")).isEmpty();
    JsonNode error = JSON.readTree(out.resolve("b_error.ipynb").toFile());
    assertThat(error.get("cells").get(1).get("outputs").get(0).at("/metadata/flywheel/rows").asInt()).isEqualTo(1);
    assertThat(errorOf(error.get("cells").get(2))).contains("TABLE_OR_VIEW_NOT_FOUND").contains("no_such_table")
        .doesNotContain("\tat ");
  }

  private static String errorOf(JsonNode cell) {
    for (JsonNode o : cell.get("outputs")) {
      if (o.get("output_type").asText().equals("error")) {
        return o.get("evalue").asText() + "\n" + o.get("traceback");
      }
    }
    return fail("no error output in " + cell);
  }

  private static String source(JsonNode cell) {
    return text(cell.get("source"));
  }

  private static String text(JsonNode s) {
    return CommittedNotebooksTest.text(s);
  }

  /** A notebook of a markdown cell and the given SQL cells, as nbformat 4 writes one. */
  private static String notebook(String... sql) throws Exception {
    var root = JSON.createObjectNode();
    var cells = root.putArray("cells");
    var md = cells.addObject();
    md.put("cell_type", "markdown");
    md.putObject("metadata");
    md.put("source", "# test");
    for (String q : sql) {
      var c = cells.addObject();
      c.put("cell_type", "code");
      c.putNull("execution_count");
      c.putObject("metadata");
      c.putArray("outputs");
      c.put("source", q);
    }
    var meta = root.putObject("metadata");
    meta.putObject("kernelspec").put("name", "flywheel").put("display_name", KernelSpec.DISPLAY_NAME).put("language", "sql");
    root.put("nbformat", 4);
    root.put("nbformat_minor", 4);
    return JSON.writeValueAsString(root);
  }
}
