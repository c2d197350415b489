package io.flywheel.bench;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.ConfigLoader;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.feedback.FeedbackEvents;
import io.flywheel.generate.FeedbackGenerator;
import io.flywheel.run.SparkSessions;
import io.flywheel.table.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the feedback job (run it with {@code bench/feedback [EVENTS] [CALLS]}): writes
 * {@code CALLS} logged calls and {@code EVENTS} feedback events (the generator's realistic and messy
 * events for every call, topped up with ordinary events), measures a plain join of the events and the
 * calls as the baseline and the same join written to Delta (baseline 2), then the feedback job and
 * export-dataset, all in one JVM, and prints the job's time beside both baselines and rows per second
 * per stage (join, mapping, dedupe, export).
 */
public final class FeedbackBench {
  private static final String RUN_DATE = "2027-12-31";

  private FeedbackBench() {}

  public static void main(String[] args) {
    long events = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000;
    long calls = args.length > 1 ? Long.parseLong(args[1]) : 2_000_000;
    Path dir = Path.of(args.length > 2 ? args[2] : "target/bench-feedback").toAbsolutePath();
    List<String> sets = List.of(
        "warehouse.root=" + dir.resolve("warehouse"),
        "feedback.events_path=" + dir.resolve("input/feedback_events"),
        // Random extra events pile many users onto one output, so many conflict: measured, not failed.
        "feedback.max_failure_ratio=1",
        "feedback.export.max_failure_ratio=1");
    FlywheelConfig cfg = ConfigLoader.load(null, Map.of(), sets).config();
    SparkSession spark = SparkSessions.getOrCreate("flywheel-bench-feedback");
    List<String[]> rows = new ArrayList<>();

    long t = System.nanoTime();
    String callsPath = dir.resolve("warehouse").resolve(Table.LLM_CALLS.tableName()).toString();
    llmCalls(spark, calls).write().format("delta").mode("overwrite").partitionBy("job", "call_date").save(callsPath);
    Dataset<Row> logged = spark.read().format("delta").load(callsPath);
    Dataset<Row> generated = FeedbackGenerator.generate(logged, 42).drop("planted");
    generated.write().format("delta").mode("overwrite").save(cfg.feedback().eventsPath());
    long planted = spark.read().format("delta").load(cfg.feedback().eventsPath()).count();
    if (events > planted) {
      extraEvents(spark, events - planted, calls).write().format("delta").mode("append").save(cfg.feedback().eventsPath());
    }
    long total = spark.read().format("delta").load(cfg.feedback().eventsPath()).count();
    rows.add(row("generate " + calls + " calls, " + total + " events", seconds(t), "-", "-", "-"));

    t = System.nanoTime();
    Dataset<Row> ev = spark.read().format("delta").load(cfg.feedback().eventsPath());
    ev.join(logged, ev.col("call_id").equalTo(logged.col("call_id")), "left")
        .select(ev.col("event_id"), logged.col("request"), logged.col("response"))
        .write().format("noop").mode("overwrite").save();
    double baseline = seconds(t);
    rows.add(row("baseline: plain join of events and calls", baseline, String.valueOf(total),
        rate(total, baseline * 1000), "1.00x"));

    // The same join with its rows kept: every event column and the call's texts, written as a Delta
    // table. The job must write at least that much (its ledger holds every event read), so this is a
    // floor for any job that keeps what it consumed; the goal's baseline writes nothing.
    t = System.nanoTime();
    ev.join(logged, ev.col("call_id").equalTo(logged.col("call_id")), "left")
        .select(ev.col("*"), logged.col("request"), logged.col("response"))
        .write().format("delta").mode("overwrite").save(dir.resolve("baseline_join_written").toString());
    double written = seconds(t);
    rows.add(row("baseline 2: the same join written to Delta", written, String.valueOf(total),
        rate(total, written * 1000), String.format(Locale.ROOT, "%.2fx", written / baseline)));

    t = System.nanoTime();
    SummarizeBench.job("feedback", sets, "--run-date", RUN_DATE);
    double job = seconds(t);
    Map<String, Long> c = lastCounts(spark, dir);
    long mapped = 0;
    for (String d : List.of("sft_examples", "preference_pairs", "kto_examples", "binary_labels")) {
      mapped += c.getOrDefault(d + "_rows", 0L);
    }
    rows.add(row("feedback job (first run)", job, String.valueOf(c.getOrDefault("events_read", 0L)),
        rate(c.getOrDefault("events_read", 0L), job * 1000), String.format(Locale.ROOT, "%.2fx", job / baseline)));
    rows.add(row("  the job against baseline 2", job, "-", "-", String.format(Locale.ROOT, "%.2fx", job / written)));
    rows.add(row("  stage join (read, checks, precedence)", c.getOrDefault("ms_join", 0L) / 1000.0,
        String.valueOf(c.getOrDefault("events_read", 0L)), rate(c.getOrDefault("events_read", 0L), c.getOrDefault("ms_join", 0L)), "-"));
    rows.add(row("  stage mapping (rows, PII scrub, ids)", c.getOrDefault("ms_mapping", 0L) / 1000.0, String.valueOf(mapped),
        rate(mapped, c.getOrDefault("ms_mapping", 0L)), "-"));
    rows.add(row("  stage dedupe (exact, MinHashLSH, tokens)", c.getOrDefault("ms_dedupe", 0L) / 1000.0, String.valueOf(mapped),
        rate(mapped, c.getOrDefault("ms_dedupe", 0L)), "-"));
    rows.add(row("  stage write (MERGE, rejects, ledger)", c.getOrDefault("ms_write", 0L) / 1000.0, "-", "-", "-"));

    t = System.nanoTime();
    SummarizeBench.job("feedback", sets, "--run-date", RUN_DATE);
    double rerun = seconds(t);
    rows.add(row("feedback job, no-op rerun", rerun, String.valueOf(lastCounts(spark, dir).getOrDefault("events_read", 0L)),
        "-", String.format(Locale.ROOT, "%.2fx", rerun / baseline)));

    t = System.nanoTime();
    SummarizeBench.job("export-dataset", sets, "--run-date", RUN_DATE, "--name", "bench");
    double export = seconds(t);
    Map<String, Long> x = lastCounts(spark, dir);
    rows.add(row("export-dataset (5 formats x 2 splits)", export, String.valueOf(x.getOrDefault("rows_written", 0L)),
        rate(x.getOrDefault("rows_written", 0L), x.getOrDefault("ms_export", 0L)), "-"));

    System.out.println();
    System.out.printf(Locale.ROOT, "%-48s %10s %12s %12s %12s%n", "step (" + total + " events, " + calls + " calls)",
        "wall s", "rows", "rows/s", "vs baseline");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "%-48s %10s %12s %12s %12s%n", (Object[]) r);
    }
    System.out.printf(Locale.ROOT, "counts of the first run: %s%n", c);
    spark.stop();
  }

  /** {@code n} successful summarize calls as {@code llm_calls} holds them; every tenth pair shares a prompt. */
  static Dataset<Row> llmCalls(SparkSession spark, long n) {
    Column id = col("id");
    Column item = when(id.lt(n / 10), concat(lit("pair-item-"), floor(id.divide(2)))).otherwise(concat(lit("item-"), id));
    Column at = timestamp_seconds(lit(1_793_491_200L).plus(id.mod(2_592_000L)));
    Column request = concat(lit("{\"endpoint\":\"local\",\"structured_output\":\"none\",\"body\":{\"model\":\"m\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"Summarize the catalog item in one paragraph.\"},"
            + "{\"role\":\"user\",\"content\":\"Item: "), item,
        // From the item alone, so the two calls of a pair have one prompt (what pairwise events need).
        lit(". Title: steel kettle model "), pmod(xxhash64(item), lit(9973)), lit(". Price: "),
        pmod(xxhash64(item, lit("p")), lit(200)), lit(" EUR.\"}]}}"));
    Column response = concat(lit("Summary of "), item, lit(": a "),
        element_at(array(lit("compact"), lit("sturdy"), lit("quiet"), lit("fast"), lit("elegant")), id.mod(5).cast("int").plus(1)),
        lit(" kettle, model "), id.mod(9973), lit(", that boils "), id.mod(17).plus(1), lit(" cups and costs "), id.mod(200),
        lit(" euros."));
    Map<String, Column> v = new java.util.LinkedHashMap<>();
    v.put("call_id", format_string("call-%09d", id));
    v.put("run_id", lit("bench"));
    v.put("job", lit("summarize"));
    v.put("run_date", lit(java.sql.Date.valueOf("2026-11-01")));
    v.put("item_key", concat(lit("SKU-"), id));
    v.put("item_count", lit(1));
    v.put("cache_key", sha2(id.cast("string"), 256));
    v.put("request_key", concat(lit("rk-"), item));
    v.put("provider", lit("local"));
    v.put("requested_model", lit("m"));
    v.put("reported_model", lit("m"));
    v.put("prompt_id", lit("catalog_summary"));
    v.put("prompt_version", lit(1));
    v.put("request", request);
    v.put("response", response);
    v.put("status", lit("ok"));
    v.put("finish_reason", lit("stop"));
    v.put("attempts", lit(1));
    v.put("input_tokens", lit(60));
    v.put("output_tokens", lit(30));
    v.put("latency_ms", lit(5L));
    v.put("cost_usd", lit(0.0));
    v.put("created_at", at);
    v.put("call_date", to_date(at));
    List<Column> cols = new ArrayList<>();
    for (var f : Table.LLM_CALLS.schema().fields()) {
      cols.add(v.getOrDefault(f.name(), lit(null)).cast(f.dataType()).as(f.name()));
    }
    return spark.range(0, n, 1, (int) Math.max(2, n / 250_000)).select(cols.toArray(Column[]::new));
  }

  /** {@code n} ordinary events (the generator's type mix) on random calls by a skewed pool of users. */
  static Dataset<Row> extraEvents(SparkSession spark, long n, long calls) {
    Column id = col("id");
    Column call = pmod(xxhash64(id, lit("c")), lit(calls));
    Column type = element_at(array(lit("accept"), lit("accept"), lit("accept"), lit("accept_edited"), lit("ignore"),
        lit("ignore"), lit("reject"), lit("thumbs_up"), lit("thumbs_up"), lit("thumbs_down"), lit("regenerate"),
        lit("binary_label")), pmod(xxhash64(id, lit("t")), lit(12)).cast("int").plus(1));
    return spark.range(0, n, 1, (int) Math.max(2, n / 500_000))
        .withColumn("_call", call)
        .withColumn("event_type", type)
        .select(concat(lit("EVX-"), id).as("event_id"),
            timestamp_seconds(lit(1_793_491_200L).plus(col("_call").mod(2_592_000L)).plus(60)
                .plus(pmod(xxhash64(id, lit("s")), lit(259_200L)))).as("event_time"),
            format_string("FU-%07d", pmod(xxhash64(id, lit("u")), lit(Math.max(10, calls / 3)))).as("user_id"),
            concat(lit("S-"), id.divide(7).cast("long")).as("session_id"),
            format_string("call-%09d", col("_call")).as("call_id"),
            col("event_type"),
            when(col("event_type").equalTo("accept_edited"), concat(lit("{\"edited_text\": \"Edited summary, version "),
                    id.mod(50000), lit(".\"}")))
                .when(col("event_type").equalTo("binary_label"), lit("{\"question\": \"on_topic\", \"answer\": true}"))
                .as("payload"))
        .select(java.util.Arrays.stream(FeedbackEvents.SCHEMA.fields())
            .map(f -> col(f.name()).cast(f.dataType()).as(f.name())).toArray(Column[]::new));
  }

  /** The counts of the newest run in the {@code runs} table of the warehouse under {@code dir}. */
  static Map<String, Long> lastCounts(SparkSession spark, Path dir) {
    Row last = spark.read().format("delta").load(dir.resolve("warehouse/runs").toString())
        .orderBy(col("started_at").desc()).first();
    return last.getJavaMap(last.fieldIndex("counts"));
  }

  private static String rate(long rows, double ms) {
    return ms <= 0 ? "-" : String.format(Locale.ROOT, "%.0f", rows / (ms / 1000.0));
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static String[] row(String step, double s, String n, String perSecond, String ratio) {
    return new String[] {step, String.format(Locale.ROOT, "%.1f", s), n, perSecond, ratio};
  }
}
