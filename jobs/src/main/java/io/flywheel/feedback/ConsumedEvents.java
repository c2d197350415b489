package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Incremental reading of feedback events over the ledger {@code feedback_consumed}
 * (docs/feedback.md#incremental-reading): which events are new, and which consumed events must be
 * checked again with them because they compete on the same subject. Pure transforms.
 */
public final class ConsumedEvents {
  /**
   * The ledger rows that take part in precedence, hence are checked again when their subject gets a
   * new event: outcome {@code effective} or {@code superseded}, or rejected as {@code conflicting}
   * (another user's later signal can change who disagrees). Other rejects stay rejected.
   */
  static Column recheckable() {
    return col("outcome").isin("effective", "superseded")
        .or(col("outcome").equalTo("rejected").and(col("reason").equalTo(RejectReason.CONFLICTING.code())));
  }

  private ConsumedEvents() {}

  /** The raw event columns, in {@link FeedbackEvents#SCHEMA} order. */
  static Column[] rawColumns() {
    return Arrays.stream(FeedbackEvents.SCHEMA.fieldNames()).map(c -> col(c)).toArray(Column[]::new);
  }

  /**
   * Adds {@code event_key}: SHA-256 of the whole event row (time as microseconds, so it does not depend
   * on the session time zone), then {@code -n} for the n-th identical copy. Equal input rows get equal
   * keys on every run, so a consumed row is recognised however often the input is read again; a
   * re-delivery that differs in anything (a retry's later time) is a new row, judged a duplicate by
   * {@code event_id}.
   */
  public static Dataset<Row> withEventKey(Dataset<Row> events) {
    Column content = sha2(to_json(struct(col("event_id"), unix_micros(col("event_time")).as("event_time_us"),
        col("user_id"), col("session_id"), col("call_id"), col("event_type"), col("payload"))), 256);
    return events.withColumn("_content", content)
        .withColumn("event_key", concat(col("_content"), lit("-"),
            row_number().over(Window.partitionBy("_content").orderBy("_content")).cast("string")))
        .drop("_content");
  }

  /**
   * Events of the run date's window: {@code event_time} before the next day (UTC), or unknown. Events
   * dated later wait for a later run date, so a rerun or backfill of a date never reads the future.
   */
  public static Dataset<Row> filterWindow(Dataset<Row> events, LocalDate runDate) {
    Timestamp end = Timestamp.from(runDate.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
    return events.filter(col("event_time").isNull().or(col("event_time").lt(lit(end))));
  }

  /**
   * Events not consumed yet: not in the ledger (by {@code event_key}) and not by a user removed with
   * forget-user ({@code forgotten}: {@code user_hash} = SHA-256 of the user id).
   */
  public static Dataset<Row> filterUnconsumed(Dataset<Row> events, Dataset<Row> ledger, Dataset<Row> forgotten) {
    Dataset<Row> consumed = ledger.select(col("event_key").as("_l_key"));
    Dataset<Row> gone = forgotten.select(col("user_hash").as("_f_hash"));
    return events.join(consumed, events.col("event_key").equalTo(consumed.col("_l_key")), "left_anti")
        .withColumn("_user_hash", sha2(coalesce(col("user_id"), lit("")), 256))
        .join(gone, col("_user_hash").equalTo(gone.col("_f_hash")), "left_anti")
        .drop("_user_hash");
  }

  /**
   * The consumed events to check again with {@code fresh} (events with their parsed payload,
   * {@link FeedbackEvents#withParsedPayload}): every
   * event, in the ledger, of a subject that a fresh event competes on or refers to. A subject is
   * touched when a fresh event has its key, or when one of its events shares a call with a fresh
   * event (its call, or a regenerate's next call: the two halves of a regenerate pair). Precedence
   * and conflicts span runs, so these subjects are decided again as a whole.
   */
  public static Dataset<Row> recheckSet(Dataset<Row> fresh, Dataset<Row> ledger) {
    Dataset<Row> prior = ledger.filter(recheckable());
    Dataset<Row> subjects = fresh.select(col("subject_key").as("_s")).filter(col("_s").isNotNull());
    Dataset<Row> calls = fresh.select(explode(array(col("call_id"), col("next_call_id"), col("pair_call_a"),
            col("pair_call_b"))).as("_c"))
        .filter(col("_c").isNotNull()).distinct();
    // Two equi-joins rather than one join on an OR, which Spark could only run as a nested loop.
    Dataset<Row> byCall = prior.join(calls, prior.col("call_id").equalTo(calls.col("_c")), "left_semi")
        .select(col("subject_key").as("_s"));
    // Only regenerate events have a next call; the rest would all shuffle, as null keys, into one partition.
    Dataset<Row> byNext = prior.filter(col("next_call_id").isNotNull())
        .join(calls, prior.col("next_call_id").equalTo(calls.col("_c")), "left_semi")
        .select(col("subject_key").as("_s"));
    Dataset<Row> touched = subjects.union(byCall).union(byNext).distinct();
    return prior.join(touched, prior.col("subject_key").equalTo(touched.col("_s")), "left_semi");
  }
}
