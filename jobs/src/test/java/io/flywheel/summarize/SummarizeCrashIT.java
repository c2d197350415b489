package io.flywheel.summarize;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.job.JobRunner;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.TestSpark;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a summarize run (a separate JVM) with SIGKILL after some batches committed, reruns the same
 * run date, and checks that nothing is duplicated and no committed batch is called again.
 */
class SummarizeCrashIT {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private final SparkSession spark = TestSpark.session();

  @TempDir Path dir;

  @Test
  void killedRunResumesWithoutDuplicatesOrRepeatedCallsForCommittedBatches() throws Exception {
    GenerateJob.catalog(spark, 300, new CatalogGenerator(5, 0, 1))
        .write().format("delta").save(dir.resolve("catalog").toString());
    List<String> sets = new ArrayList<>(TestSpark.baseSets(dir));
    sets.add("summarize.batch_size=20");
    sets.add("summarize.call_partitions=2");
    sets.add("llm.local.latency_ms=40");

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(TestSpark.jvmFlags());
    TestSpark.SMALL_TABLES.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(List.of("-Xmx1g", "-Dspark.master=local[2]", "-Dspark.ui.enabled=false",
        "-Dspark.sql.shuffle.partitions=2", "-Dspark.driver.host=127.0.0.1",
        "-cp", System.getProperty("java.class.path"), "io.flywheel.Main", "summarize", "--run-date", DAY.toString()));
    for (String s : sets) {
      cmd.add("--set");
      cmd.add(s);
    }
    File log = dir.resolve("child.log").toFile();
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    Path deltaLog = dir.resolve("warehouse").resolve("summaries").resolve("_delta_log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    // Version 0 creates the table; wait for two committed batches after it.
    while (commits(deltaLog) < 3 && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(child.isAlive()).as("child still running when batches were committed; log: %s", Files.readString(log.toPath())).isTrue();
    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isEqualTo(137);

    Set<String> committedKeys = new HashSet<>(strings(Table.SUMMARIES, "cache_key"));
    Set<String> committedItems = new HashSet<>(strings(Table.SUMMARIES, "item_id"));
    assertThat(committedKeys).isNotEmpty();
    // The killed run never ended: its one runs row still says running.
    assertThat(TestSpark.rows(spark.read().format("delta").load(path(Table.RUNS)).select("status")))
        .containsExactly(java.util.Map.of("status", "running"));

    RunContext ctx = TestSpark.context("summarize", dir, DAY, false, List.of("summarize.batch_size=20"));
    RunLog rerun = JobRunner.run(new SummarizeJob(), ctx);

    assertThat(rerun.get("calls")).isPositive();
    List<String> calledAgain = spark.read().format("delta").load(path(Table.LLM_CALLS))
        .where(col("run_id").equalTo(ctx.runId())).select("item_key").as(Encoders.STRING()).collectAsList();
    assertThat(calledAgain).hasSize((int) rerun.get("calls")).doesNotContainAnyElementsOf(committedItems);
    var summaries = spark.read().format("delta").load(path(Table.SUMMARIES));
    assertThat(summaries.count()).isEqualTo(summaries.select("item_id").distinct().count());
    assertThat(new HashSet<>(strings(Table.SUMMARIES, "cache_key"))).containsAll(committedKeys);
    var calls = spark.read().format("delta").load(path(Table.LLM_CALLS));
    assertThat(calls.count()).isEqualTo(calls.select("call_id").distinct().count());

    // The work is complete: one more run has nothing left to call.
    RunLog third = JobRunner.run(new SummarizeJob(), TestSpark.context("summarize", dir, DAY, false, List.of()));
    assertThat(third.get("calls")).isZero();
    assertThat(third.get("cache_hits") + third.get("known_rejected_skipped")).isEqualTo(third.get("items_accepted"));
  }

  private String path(Table t) {
    return dir.resolve("warehouse").resolve(t.tableName()).toString();
  }

  private List<String> strings(Table t, String column) {
    return spark.read().format("delta").load(path(t)).select(column).as(Encoders.STRING()).collectAsList();
  }

  private static long commits(Path deltaLog) throws Exception {
    if (!Files.isDirectory(deltaLog)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(deltaLog)) {
      return files.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).count();
    }
  }
}
