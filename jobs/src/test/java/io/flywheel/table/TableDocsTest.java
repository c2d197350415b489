package io.flywheel.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** table-docs.yaml describes real tables and columns, and docs/tables.md shows exactly what it says. */
class TableDocsTest {
  private static final Path DOC = Path.of("..", "docs", "tables.md");

  @Test
  void docsTablesShowTheYamlsDescriptions() throws Exception {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    String fresh = TableDocs.updateMarkdown(doc);
    if (Boolean.getBoolean("flywheel.writeDocs")) {
      Files.writeString(DOC, fresh, StandardCharsets.UTF_8);
    }
    assertThat(doc).as("docs/tables.md is stale: rerun TableDocsTest with -Dflywheel.writeDocs=true").isEqualTo(fresh);
  }

  @Test
  void everyDescribedTableExistsAndDescribesEachOfItsColumns() {
    List<String> names = Arrays.stream(Table.values()).map(Table::tableName).toList();
    assertThat(TableDocs.describedTables()).isNotEmpty().allSatisfy(t -> assertThat(names).contains(t));
    List<String> problems = new ArrayList<>();
    for (Table t : Table.values()) {
      problems.addAll(TableDocs.mismatches(t));
    }
    assertThat(problems).isEmpty();
  }

  /** A table added to Table.java without its entry in table-docs.yaml fails here, naming the table. */
  @Test
  void everyTableIsDescribed() {
    List<String> missing = Arrays.stream(Table.values()).map(Table::tableName)
        .filter(t -> !TableDocs.describedTables().contains(t)).toList();
    assertThat(missing).as("tables without an entry in " + TableDocs.RESOURCE).isEmpty();
  }

  @Test
  void catalogCommentsArePlainTextOfAtMost255Characters() {
    assertThat(TableDocs.comment("see [cache.md](cache.md#key) and `x`")).isEqualTo("see cache.md and x");
    String request = TableDocs.commentedSchema(Table.LLM_CALLS).apply("request").getComment().get();
    assertThat(request).hasSizeLessThanOrEqualTo(255).startsWith("the request as sent, as JSON: {").endsWith("... (docs/tables.md)");
    assertThat(TableDocs.commentedSchema(Table.RUNS).apply("run_id").getComment().get()).isEqualTo("this run's id");
    assertThat(TableDocs.tableComment(Table.RUNS)).isEqualTo("One row per job run, written by the job runner for every job alike (jobs.md).");
  }
}
