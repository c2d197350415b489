package io.flywheel.testing;

import io.flywheel.table.Table;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Logged model calls for the feedback tests, as {@code llm_calls} holds them (request as logged:
 * {@code {"endpoint", "structured_output", "body"}}): summaries of distinct items, pairs of calls
 * with one prompt (pairwise material), a run of near-identical answers, answers with PII, one answer
 * over any small token limit, and failed calls. Written straight to the table, so feedback tests do
 * not need a summarize run.
 */
public final class FeedbackFixture {
  /** Calls {@code NEAR_FROM} to {@code NEAR_FROM + NEAR_COUNT - 1} answer with the same long text but their number. */
  public static final int NEAR_FROM = 40;
  public static final int NEAR_COUNT = 30;
  /** The start every near-identical answer shares. */
  public static final String NEAR_TEXT = "This steel kettle holds one point seven litres, boils water in about three"
      + " minutes, switches itself off when the water boils, has a washable limescale filter, a lid that opens"
      + " wide for easy cleaning, a blue water window on both sides, a cordless base and a long cable, and";
  /** The call whose answer is far over a small token limit. */
  public static final int LONG_CALL = 7;
  /** Calls whose answers name a person's e-mail address. */
  public static final String EMAIL = "jane.doe@example.com";

  private FeedbackFixture() {}

  public static String callId(int i) {
    return String.format(Locale.ROOT, "call-%04d", i);
  }

  private static String request(String item) {
    return "{\"endpoint\":\"local\",\"structured_output\":\"none\",\"body\":{\"model\":\"flywheel-extractive-v2\","
        + "\"messages\":[{\"role\":\"system\",\"content\":\"Summarize the catalog item in one paragraph.\"},"
        + "{\"role\":\"user\",\"content\":\"Item: " + item + "\"}],\"temperature\":0.0}}";
  }

  private static String response(int i) {
    if (i >= NEAR_FROM && i < NEAR_FROM + NEAR_COUNT) {
      return NEAR_TEXT + " comes as number " + i + ".";
    }
    if (i == LONG_CALL) {
      return "A very long answer. ".repeat(400);
    }
    if (i % 11 == 5) {
      return "Summary " + i + ": ask " + EMAIL + " about the item's warranty before buying it.";
    }
    return "Summary " + i + ": item " + i + " is a " + (i % 2 == 0 ? "useful" : "handsome") + " thing of colour " + i % 7
        + " and size " + i % 5 + ".";
  }

  /** {@code usable} calls with an answer, then 5 failed calls, as {@code llm_calls} rows of one summarize run. */
  public static Dataset<Row> calls(SparkSession spark, int usable) {
    List<Row> rows = new ArrayList<>();
    Timestamp start = Timestamp.valueOf("2026-11-01 00:00:00");
    for (int i = 0; i < usable + 5; i++) {
      boolean ok = i < usable;
      // Calls 0-19 come in pairs of one prompt: what pairwise events compare.
      String item = i < 20 ? "pair-item-" + i / 2 : "item-" + i;
      Timestamp at = new Timestamp(start.getTime() + 3_600_000L * i);
      rows.add(RowFactory.create(callId(i), "run-fixture", "summarize", Date.valueOf("2026-11-01"), "SKU-" + i, 1,
          "ck-" + i, "rk-" + item, "local", "flywheel-extractive-v2", "flywheel-extractive-v2", "catalog_summary", 1,
          request(item), ok ? response(i) : null, ok ? "ok" : "failed", ok ? null : "http_500", null, ok ? "stop" : null,
          1, 50, 40, 3L, 0.0, at, new Date(at.getTime())));
    }
    return spark.createDataFrame(rows, Table.LLM_CALLS.schema());
  }

  /** Writes {@link #calls} as the {@code llm_calls} table under {@code warehouseRoot}. */
  public static void writeCalls(SparkSession spark, String warehouseRoot, int usable) {
    calls(spark, usable).write().format("delta").mode("overwrite").partitionBy("job", "call_date")
        .save(warehouseRoot + "/" + Table.LLM_CALLS.tableName());
  }
}
