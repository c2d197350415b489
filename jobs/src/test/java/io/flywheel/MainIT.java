package io.flywheel;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person or a scheduler sees when something is wrong: exit code 2 and one {@code flywheel:}
 * line naming the key, file or query for every usage, config or input error, and nothing written.
 */
class MainIT {
  private record Result(int code, String err, String out) {}

  private static Result run(Path dir, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    PrintStream originalErr = System.err;
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(errStream);
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--set", "summarize.prompts_dir=" + TestSpark.confDir().resolve("prompts")));
    if (!String.join(" ", args).contains("warehouse.root=")) {
      all.addAll(List.of("--set", "warehouse.root=" + dir.resolve("warehouse")));
    }
    try {
      TestSpark.session();
      int code = Main.execute(all.toArray(String[]::new), errStream);
      return new Result(code, err.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
      System.setErr(originalErr);
    }
  }

  @Test
  void aMissingCatalogIsAConfigErrorNamingTheKeyAndWritesNothing(@TempDir Path dir) {
    Result r = run(dir, "summarize", "--set", "catalog.path=" + dir.resolve("nowhere"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("catalog.path").contains("does not exist");
    assertThat(dir.resolve("warehouse")).doesNotExist();
  }

  @Test
  void anEmptyCatalogFileSaysTheInputIsEmpty(@TempDir Path dir) throws IOException {
    Path empty = Files.createDirectories(dir.resolve("catalog.json"));
    Files.writeString(empty.resolve("part-0.json"), "");
    Result r = run(dir, "summarize", "--set", "catalog.format=json", "--set", "catalog.path=" + empty);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("catalog.path").contains("is empty").doesNotContain("columns: []");
    assertThat(dir.resolve("warehouse")).doesNotExist();
  }

  @Test
  void aWarehouseRootUnderARegularFileIsAConfigErrorNotAStackTrace(@TempDir Path dir) throws IOException {
    GenerateJob.catalog(TestSpark.session(), 20, new CatalogGenerator(1, 0, 1))
        .write().format("delta").save(dir.resolve("catalog").toString());
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Result r = run(dir, "summarize", "--set", "catalog.path=" + dir.resolve("catalog"),
        "--set", "warehouse.root=" + file.resolve("warehouse"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("warehouse.root").contains("is a file");
  }

  @Test
  void sqlErrorsNameTheQueryAndExitTwo(@TempDir Path dir) {
    Result syntax = run(dir, "sql", "SELEC 1");
    assertThat(syntax.code()).isEqualTo(2);
    assertThat(syntax.err()).startsWith("flywheel: sql: ").contains("query: SELEC 1").doesNotContain("\tat ");

    Result noTables = run(dir, "sql", "SELECT count(*) FROM llm_calls");
    assertThat(noTables.code()).isEqualTo(2);
    assertThat(noTables.err()).contains("llm_calls").contains("has no tables yet");
  }

  @Test
  void sqlHasTheFlywheelFunctionsWithTheirDescriptions(@TempDir Path dir) {
    Result r = run(dir, "sql", "SELECT flywheel_redact_pii('mail ann@example.com') AS new, fw_redact_pii('ann@example.com') AS old");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().toList()).containsExactly("new\told", "mail [EMAIL]\t[EMAIL]");

    Result d = run(dir, "sql", "DESCRIBE FUNCTION EXTENDED flywheel_detect_language");
    assertThat(d.code()).as(d.err()).isZero();
    assertThat(d.out()).contains("Usage: flywheel_detect_language(text) - ISO 639-1").contains("Since: 0.1.0");
  }

  @Test
  void sqlSaysWhenItCutsTheOutputAndWritesEveryRowWithOut(@TempDir Path dir) throws IOException {
    Result cut = run(dir, "sql", "--limit", "3", "SELECT id, CAST(id AS STRING), avg(CAST(id AS DOUBLE)) OVER () FROM range(10)");
    assertThat(cut.code()).as(cut.err()).isZero();
    assertThat(cut.out().lines().toList()).hasSize(4);
    assertThat(cut.out().lines().findFirst().orElseThrow()).doesNotContain("CAST(");
    assertThat(cut.out().lines().skip(1).map(l -> l.split("\t")[0]).toList()).containsExactly("0", "1", "2");
    assertThat(cut.err()).contains("output cut at 3 rows");

    Result all = run(dir, "sql", "--limit", "20", "SELECT id FROM range(10)");
    assertThat(all.out().lines()).hasSize(11);
    assertThat(all.err()).doesNotContain("cut");

    Path csv = dir.resolve("out.csv");
    Result written = run(dir, "sql", "--out", csv.toString(), "SELECT id, id * 2 AS twice FROM range(1500)");
    assertThat(written.code()).isZero();
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).hasSize(1501);
    assertThat(lines.get(0)).isEqualTo("id,twice");
  }
}
