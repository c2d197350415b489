package io.flywheel.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.job.JobRunner;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.summarize.SummarizeJob;
import io.flywheel.testing.TestSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code warehouse.database} set, a job's tables are in the catalog with the table and column
 * comments of table-docs.yaml, and a table made without them gets them on its next use.
 */
class TableCommentsIT {
  private static final String DB = "flywheel_comments_it";
  private final SparkSession spark = TestSpark.session();

  @TempDir Path dir;

  @AfterEach
  void dropDatabase() {
    // The tables are external (LOCATION): dropping the database leaves their files alone.
    spark.sql("DROP DATABASE IF EXISTS " + DB + " CASCADE");
  }

  @Test
  void summarizeRunRegistersItsTablesWithTheirComments() {
    GenerateJob.catalog(spark, 10, new CatalogGenerator(7, 0, 3))
        .write().format("delta").mode("overwrite").save(dir.resolve("catalog").toString());
    RunContext base = TestSpark.context("summarize", dir, LocalDate.of(2026, 11, 27), false, List.of());
    Warehouse wh = new Warehouse(spark, base.warehouse().root(), DB);
    RunContext ctx = new RunContext(base.job(), base.runId(), base.runDate(), base.dryRun(), base.loaded(),
        base.spark(), wh, base.startedAt());
    RunLog log = JobRunner.run(new SummarizeJob(), ctx);
    assertThat(log.status()).isEqualTo("succeeded");

    for (Table t : List.of(Table.RUNS, Table.LLM_CALLS, Table.SUMMARIES)) {
      Describe d = describe(DB + "." + t.tableName());
      TableDocs.Entry doc = TableDocs.of(t).orElseThrow();
      assertThat(d.tableComment()).as(t.tableName()).isEqualTo(TableDocs.comment(doc.description()));
      assertThat(d.columnComments().keySet()).as(t.tableName()).containsExactly(t.schema().fieldNames());
      for (String c : t.schema().fieldNames()) {
        assertThat(d.columnComments().get(c)).as(t.tableName() + "." + c).isEqualTo(TableDocs.comment(doc.columns().get(c)));
      }
    }
    assertThat(describe(DB + ".runs").columnComments()).containsEntry("run_id", "this run's id");
    assertThat(describe(DB + ".llm_calls").tableComment()).startsWith("Append-only log of every model request");
  }

  @Test
  void aTableMadeWithoutCommentsGetsThemAndIsRegisteredOnItsNextUse() {
    Warehouse wh = new Warehouse(spark, dir.resolve("warehouse").toString(), DB);
    spark.createDataFrame(List.of(), Table.RUNS.schema()).write().format("delta").save(wh.path(Table.RUNS));
    assertThat(spark.read().format("delta").load(wh.path(Table.RUNS)).schema().apply("run_id").getComment().isDefined()).isFalse();

    wh.ensure(Table.RUNS);

    Describe d = describe(DB + ".runs");
    assertThat(d.tableComment()).isEqualTo(TableDocs.tableComment(Table.RUNS));
    assertThat(d.columnComments()).containsEntry("run_id", "this run's id").containsEntry("message", "why a run failed, or who marked it abandoned");
    long versions = spark.sql("DESCRIBE HISTORY delta.`" + wh.path(Table.RUNS) + "`").count();

    new Warehouse(spark, dir.resolve("warehouse").toString(), DB).ensure(Table.RUNS);
    assertThat(spark.sql("DESCRIBE HISTORY delta.`" + wh.path(Table.RUNS) + "`").count())
        .as("comments already in place are not written again").isEqualTo(versions);
  }

  private record Describe(String tableComment, Map<String, String> columnComments) {}

  /** DESCRIBE TABLE EXTENDED: the comment of each column (until the first blank or '#' row) and the table's. */
  private Describe describe(String table) {
    Map<String, String> columns = new LinkedHashMap<>();
    String tableComment = null;
    boolean inColumns = true;
    for (Row r : spark.sql("DESCRIBE TABLE EXTENDED " + table).collectAsList()) {
      String name = r.getAs("col_name");
      if (name == null || name.isBlank() || name.startsWith("#")) {
        inColumns = false;
      } else if (inColumns) {
        columns.put(name, r.getAs("comment"));
      } else if (name.equals("Comment")) {
        tableComment = r.getAs("data_type");
      }
    }
    return new Describe(tableComment, columns);
  }
}
