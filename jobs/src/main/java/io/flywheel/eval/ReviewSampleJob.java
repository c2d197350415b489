package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.catalog.CatalogInput;
import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.table.Warehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The daily review sample: {@code bin/flywheel review-sample --run-date 2026-11-28} draws the day's
 * calls for people to look at into {@code review_queue} (one row per call and yes/no question) and a
 * self-contained HTML page; {@code --answers FILE --reviewer NAME} records the answers saved from that
 * page, and every recorded answer is sent once to the feedback events as a {@code binary_label} event,
 * so that the feedback job turns it into training data. See docs/eval.md#review-sample.
 */
public final class ReviewSampleJob implements Job {
  static final String JOB = "review-sample";
  private static final StructType ANSWERS = StructType.fromDDL("run_date DATE, call_id STRING, question STRING, answer BOOLEAN");

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "draw the day's calls for human review into review_queue and a page; record answers (--answers F --reviewer R)";
  }

  @Override
  public String configSection() {
    return "eval.review";
  }

  @Override
  public Map<String, String> options() {
    return Map.of("answers", "eval.review.answers", "reviewer", "eval.review.reviewer");
  }

  @Override
  public List<Table> tables() {
    return List.of(Table.REVIEW_QUEUE);
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.eval().review();
  }

  /** Reads the answers file (if any) and the day's calls, and draws the sample. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    long t0 = System.nanoTime();
    FlywheelConfig.EvalReview r = ctx.config().eval().review();
    List<ReviewAnswers.Answer> answers = CatalogInput.isBlank(r.answers()) ? List.of() : ReviewAnswers.read(Path.of(r.answers()));
    if (!answers.isEmpty() && CatalogInput.isBlank(r.reviewer())) {
      throw new ConfigException("key 'eval.review.reviewer': who gave the answers of " + r.answers()
          + " is required (--reviewer NAME)");
    }
    // A warehouse without llm_calls has no calls to review: an empty sample, not an error.
    Dataset<Row> calls = ctx.warehouse().readOrEmpty(Table.LLM_CALLS).where(col("run_date").equalTo(lit(Date.valueOf(ctx.runDate()))));
    ReviewSample.Strata strata = ReviewSample.strata(calls);
    long rejected = strata.rejected();
    Map<String, Integer> quotas = ReviewSample.quotas(strata.sizes(), r.sampleSize(), r.minPerStratum());
    Dataset<Row> sample = ReviewSample.sample(calls, quotas, r.rejectionsCap(), r.seed()).persist(StorageLevel.MEMORY_AND_DISK());
    long sampled = sample.count();
    long calledDay = strata.sizes().values().stream().mapToLong(Long::longValue).sum() + rejected;
    log.count("calls_of_day", calledDay);
    log.count("sampled", sampled);
    log.count("sampled_rejections", Math.min(rejected, r.rejectionsCap()));
    log.count("answers_in_file", answers.size());
    log.count("plan_calls", 0);
    log.timed("sample", t0);
    System.out.printf(Locale.ROOT, "review-sample plan: %d calls on %s; %d drawn (by job/status %s, and %d of %d guardrail"
            + " rejections), %d questions each; %d answers to record%n", calledDay, ctx.runDate(), sampled, quotas,
        Math.min(rejected, r.rejectionsCap()), rejected, r.questions().size(), answers.size());
    return new Run(ctx, sample, answers);
  }

  private record Run(RunContext ctx, Dataset<Row> sample, List<ReviewAnswers.Answer> answers) implements Job.Plan {

    @Override
    public String execute(RunLog log, TableWrites writes) {
      FlywheelConfig.EvalReview r = ctx.config().eval().review();
      long t0 = System.nanoTime();
      writes.insertNew(queueRows(), Table.REVIEW_QUEUE);
      log.timed("queue", t0);
      String failure = null;
      if (!answers.isEmpty()) {
        long t1 = System.nanoTime();
        failure = recordAnswers(writes, log);
        log.timed("answers", t1);
      }
      long t2 = System.nanoTime();
      sendToFeedback(writes, log);
      log.timed("feedback_events", t2);
      long t3 = System.nanoTime();
      writePage(log);
      log.timed("page", t3);
      return failure;
    }

    /** The sample crossed with the questions, in the columns of {@code review_queue}, nothing answered. */
    private Dataset<Row> queueRows() {
      List<Row> qs = new ArrayList<>();
      ctx.config().eval().review().questions().forEach((name, text) -> qs.add(RowFactory.create(name, text)));
      Dataset<Row> questions = ctx.spark().createDataFrame(qs, StructType.fromDDL("question STRING, question_text STRING"));
      return sample.crossJoin(questions).select(lit(Date.valueOf(ctx.runDate())).as("run_date"), col("call_id"),
          col("question"), col("job"), col("status"), col("stratum"), col("reason"), col("question_text"), col("input"),
          col("output"), col("error_class"), lit(null).cast("boolean").as("answer"), lit(null).cast("string").as("reviewer"),
          lit(null).cast("timestamp").as("answered_at"), lit(null).cast("string").as("event_id"),
          lit(ctx.runId()).as("run_id"), lit(Timestamp.from(ctx.startedAt())).as("created_at"));
    }

    /**
     * Records the file's answers on the queue rows they are about that have none yet (the last answer
     * of the file wins for a question it answers twice). Counts those recorded, those already recorded
     * with the same answer (a rerun), those about no queue row, and those about a question already
     * answered otherwise; returns why the run fails (the last two over max_failure_ratio), or null.
     */
    private String recordAnswers(TableWrites writes, RunLog log) {
      Map<String, ReviewAnswers.Answer> last = new LinkedHashMap<>();
      for (ReviewAnswers.Answer a : answers) {
        last.put(a.runDate() + "|" + a.callId() + "|" + a.question(), a);
      }
      List<Row> rows = new ArrayList<>();
      last.values().forEach(a -> rows.add(RowFactory.create(Date.valueOf(a.runDate()), a.callId(), a.question(), a.answer())));
      Dataset<Row> given = ctx.spark().createDataFrame(rows, ANSWERS);
      Dataset<Row> queue = ctx.warehouse().read(Table.REVIEW_QUEUE)
          .select(col("run_date").as("q_date"), col("call_id").as("q_call"), col("question").as("q_question"),
              col("answer").as("q_answer"));
      Row c = given.join(queue, given.col("run_date").equalTo(queue.col("q_date")).and(given.col("call_id").equalTo(queue.col("q_call")))
              .and(given.col("question").equalTo(queue.col("q_question"))), "left")
          .agg(count(when(col("q_call").isNull(), lit(1))),
              count(when(col("q_answer").isNotNull().and(col("q_answer").notEqual(col("answer"))), lit(1))),
              count(when(col("q_call").isNotNull().and(col("q_answer").isNull()), lit(1))),
              count(when(col("q_answer").equalTo(col("answer")), lit(1))))
          .first();
      long unknown = c.getLong(0);
      long already = c.getLong(1);
      // The same answer again (a rerun with the same file) is already where it belongs: not a failure.
      log.count("answers_unchanged", c.getLong(3));
      writes.fillWhereNull(given.withColumn("reviewer", lit(ctx.config().eval().review().reviewer()))
              .withColumn("answered_at", lit(Timestamp.from(ctx.startedAt()))),
          Table.REVIEW_QUEUE, "answer", List.of("answer", "reviewer", "answered_at"));
      log.count("answers_recorded", c.getLong(2));
      log.count("answers_unknown", unknown);
      log.count("answers_already_answered", already);
      if (unknown > 0 || already > 0) {
        System.out.printf(Locale.ROOT, "review-sample: %d answers are about no sampled call and question, %d about one already"
            + " answered otherwise (an answer is recorded once; change it with UPDATE review_queue)%n", unknown, already);
      }
      double notRecorded = (double) (unknown + already) / last.size();
      if (notRecorded > ctx.config().eval().review().maxFailureRatio()) {
        return String.format(Locale.ROOT, "%d of %d answers could not be recorded, which exceeds max_failure_ratio %.3f",
            unknown + already, last.size(), ctx.config().eval().review().maxFailureRatio());
      }
      return null;
    }

    /**
     * Sends every recorded answer not sent yet to {@code feedback.events_path} as a {@code binary_label}
     * event (MERGE on its event id, a hash of the date, call and question, so a retry adds nothing), then
     * marks the queue rows with the event id.
     */
    private void sendToFeedback(TableWrites writes, RunLog log) {
      Dataset<Row> pending = ctx.warehouse().read(Table.REVIEW_QUEUE)
          .where(col("answer").isNotNull().and(col("event_id").isNull()))
          .withColumn("event_id", concat(lit("review-"),
              substring(sha2(concat_ws("|", col("run_date").cast("string"), col("call_id"), col("question")), 256), 1, 24)))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long n = pending.count();
        log.count("answers_sent_to_feedback", 0);
        if (n == 0) {
          return;
        }
        FlywheelConfig.Feedback f = ctx.config().feedback();
        if (!f.eventsFormat().equals("delta")) {
          System.out.printf(Locale.ROOT, "review-sample: %d answers not sent to feedback events: feedback.events_format is %s,"
              + " and answers are only added to a Delta table%n", n, f.eventsFormat());
          log.count("answers_not_sent", n);
          return;
        }
        Dataset<Row> events = pending.select(col("event_id"), col("answered_at").as("event_time"), col("reviewer").as("user_id"),
            concat(lit("review-"), col("run_date").cast("string")).as("session_id"), col("call_id"),
            lit("binary_label").as("event_type"), to_json(struct(col("question"), col("answer"))).as("payload"));
        if (io.delta.tables.DeltaTable.isDeltaTable(ctx.spark(), f.eventsPath())) {
          io.delta.tables.DeltaTable.forPath(ctx.spark(), f.eventsPath()).as("t")
              .merge(events.as("s"), expr("t.event_id = s.event_id")).whenNotMatched().insertAll().execute();
        } else if (io.flywheel.table.TextFile.exists(ctx.spark(), f.eventsPath())) {
          throw new ConfigException("key 'feedback.events_path': " + f.eventsPath() + " exists and is not a Delta table;"
              + " review answers are added to a Delta table of feedback events");
        } else {
          events.write().format("delta").mode("append").save(f.eventsPath());
        }
        writes.fillWhereNull(pending.select("run_date", "call_id", "question", "event_id"), Table.REVIEW_QUEUE, "event_id",
            List.of("event_id"));
        log.count("answers_sent_to_feedback", n);
      } finally {
        pending.unpersist();
      }
    }

    /** The page of the run date's queue, answers recorded so far checked. */
    private void writePage(RunLog log) {
      FlywheelConfig.EvalReview r = ctx.config().eval().review();
      String dir = CatalogInput.isBlank(r.pageDir()) ? ctx.warehouse().root() + "/reports/review" : r.pageDir();
      Map<String, ReviewPage.Item> items = new LinkedHashMap<>();
      Map<String, List<ReviewPage.Question>> questions = new LinkedHashMap<>();
      for (Row q : ctx.warehouse().read(Table.REVIEW_QUEUE).where(col("run_date").equalTo(lit(Date.valueOf(ctx.runDate()))))
          .orderBy(col("reason"), col("job"), col("status"), col("call_id"), col("question")).collectAsList()) {
        String call = q.getAs("call_id");
        List<ReviewPage.Question> qs = questions.computeIfAbsent(call, k -> new ArrayList<>());
        items.computeIfAbsent(call, k -> new ReviewPage.Item(call, q.getAs("job"), q.getAs("status"), q.getAs("reason"),
            q.getAs("error_class"), q.getAs("input"), q.getAs("output"), qs));
        qs.add(new ReviewPage.Question(q.getAs("question"), q.getAs("question_text"), q.getAs("answer")));
      }
      // Local or remote (s3a://) alike, replaced whole (docs/s3.md).
      String file = io.flywheel.table.TextFile.write(ctx.spark(), io.flywheel.table.TextFile.resolve(dir, "review-" + ctx.runDate() + ".html"),
          ReviewPage.html(ctx.runDate(), new ArrayList<>(items.values())));
      log.count("page_items", items.size());
      System.out.println("review-sample: page for " + items.size() + " calls at " + file);
    }

    @Override
    public void close() {
      sample.unpersist();
    }
  }
}
