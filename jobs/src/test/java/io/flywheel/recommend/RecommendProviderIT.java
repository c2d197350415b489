package io.flywheel.recommend;

import static io.flywheel.testing.TestSpark.rows;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.job.JobRunner;
import io.flywheel.generate.CatalogGenerator;
import io.flywheel.generate.GenerateJob;
import io.flywheel.generate.PurchaseGenerator;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.testing.FakeLlmServer;
import io.flywheel.testing.FakeLlmServerExtension;
import io.flywheel.testing.ProviderRuns;
import io.flywheel.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recommendations job against an OpenAI-compatible server on 127.0.0.1 (the fault-injecting
 * {@link FakeLlmServer}), several users in flight per task: failed users are recorded, and the next
 * run of the date calls exactly them.
 */
class RecommendProviderIT {
  private static final String SECRET = "sk-test-recommend-5f1c9a2e7b";
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private final SparkSession spark = TestSpark.session();
  @RegisterExtension final FakeLlmServerExtension fake = new FakeLlmServerExtension(SECRET);

  @TempDir Path dir;

  private RunLog run() throws Exception {
    Path key = dir.resolve("api-key");
    Files.writeString(key, SECRET + "\n");
    List<String> sets = new ArrayList<>(List.of(
        "catalog.path=" + dir.resolve("catalog"), "recommend.purchases_path=" + dir.resolve("purchases"),
        "llm.provider=openai", "llm.model=gpt-pinned-rec", "llm.base_url=" + fake.server().openAiBaseUrl(),
        "llm.api_key_file=" + key, "llm.max_attempts=1", "llm.max_concurrency=4",
        "llm.circuit_breaker.failure_threshold=100000", "recommend.call_partitions=2", "recommend.max_attempts=2",
        "recommend.order_sensitivity_sample=0"));
    RunContext ctx = TestSpark.context("recommend", dir, DAY, false, sets);
    return JobRunner.run(new RecommendJob(), ctx);
  }

  private Dataset<Row> table(Table t) {
    return spark.read().format("delta").load(dir.resolve("warehouse").resolve(t.tableName()).toString());
  }

  @Test
  void usersWhoseCallsAllFailAreRetriedByTheNextRunOfTheDateAndOnlyThey() throws Exception {
    GenerateJob.catalog(spark, 200, new CatalogGenerator(5, 0, 3))
        .write().format("delta").save(dir.resolve("catalog").toString());
    GenerateJob.purchases(spark, 40, new PurchaseGenerator(9, 200))
        .write().format("delta").save(dir.resolve("purchases").toString());
    // 7 prompts in 16 get a 503 (by the prompt's hash: the same prompt always fails).
    fake.server().script(r -> "0123456".indexOf(r.itemKey().charAt(0)) >= 0 ? FakeLlmServer.Reply.error(503)
        : FakeLlmServer.Reply.answer());

    RunLog first = run();
    Map<String, List<String>> statusesByUser = new HashMap<>();
    for (Map<String, Object> c : rows(table(Table.LLM_CALLS).select("item_key", "status"))) {
      statusesByUser.computeIfAbsent((String) c.get("item_key"), k -> new ArrayList<>()).add((String) c.get("status"));
    }
    Set<String> failed = new TreeSet<>();
    List<Map<String, Object>> users = rows(table(Table.RECOMMENDATION_USERS).select("user_id", "status"));
    assertThat(users).hasSize((int) first.get("users"));
    for (Map<String, Object> u : users) {
      String user = (String) u.get("user_id");
      assertThat(statusesByUser).as("calls of %s", user).containsKey(user);
      boolean allCallsFailed = statusesByUser.get(user).stream().noneMatch(s -> s.equals("ok"));
      assertThat(u.get("status")).as(user).isEqualTo(allCallsFailed ? "failed" : "ok");
      if (allCallsFailed) {
        failed.add(user);
      }
    }
    assertThat(failed).isNotEmpty().hasSizeLessThan(users.size());
    assertThat(first.get("users_failed")).isEqualTo(failed.size());
    assertThat(first.get("retryable_error")).isPositive();
    assertThat(table(Table.RECOMMENDATIONS).where(col("user_id").isin(failed.toArray())).count()).isZero();

    // The provider recovers: the next run of the date calls the failed users, no one else.
    fake.server().script(r -> FakeLlmServer.Reply.answer());
    RunLog second = run();
    assertThat(second.get("users_to_call")).isEqualTo(failed.size());
    String runId = table(Table.RUNS).orderBy(col("started_at").desc()).first().getAs("run_id");
    assertThat(new TreeSet<>(rows(table(Table.LLM_CALLS).where(col("run_id").equalTo(runId)).select("item_key"))
        .stream().map(r -> (String) r.get("item_key")).toList())).isEqualTo(failed);
    assertThat(table(Table.RECOMMENDATION_USERS).where(col("status").notEqual("ok")).count()).isZero();
    assertThat(table(Table.RECOMMENDATION_USERS).count()).isEqualTo(first.get("users"));
    assertThat(table(Table.RECOMMENDATIONS).select("user_id").distinct().count()).isEqualTo(first.get("users"));
    new ProviderRuns(dir, SECRET, List.of()).assertSecretNowhere(SECRET);
  }
}
