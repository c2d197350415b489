package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import io.flywheel.feedback.FeedbackPayload.Parsed;
import io.flywheel.udfs.PiiRedactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;

/**
 * Feedback events joined to the logged calls, with the reason each unusable event cannot be used and
 * the precedence decision for the rest (docs/feedback.md#checks). Pure transforms: nothing is read or
 * written here.
 */
public final class FeedbackEvents {
  /** The {@code feedback_events} input (docs/feedback.md#events). */
  public static final StructType SCHEMA = StructType.fromDDL(
      "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, call_id STRING,"
          + " event_type STRING, payload STRING");

  /** Prompt messages as stored in every dataset. */
  public static final String MESSAGES_DDL = "ARRAY<STRUCT<role: STRING, content: STRING>>";

  /** What {@link #withPromptAndOutput} returns per call. */
  public static final StructType CALL_TEXT_SCHEMA = StructType.fromDDL(
      "call_id STRING, job STRING, prompt " + MESSAGES_DDL + ", output STRING, call_error STRING");

  static final StructType PARSED_PAYLOAD = StructType.fromDDL(
      "payload_error STRING, edited_text STRING, next_call_id STRING, pair_call_a STRING, pair_call_b STRING,"
          + " preferred_call_id STRING, is_tie BOOLEAN, question STRING, answer BOOLEAN, subject_key STRING,"
          + " stance STRING");

  private static final StructType PARSED_REQUEST = StructType.fromDDL(
      "prompt " + MESSAGES_DDL + ", prompt_error STRING");

  private static final StructType DECISION = StructType.fromDDL("event_id STRING, decision STRING");

  private FeedbackEvents() {}

  /**
   * One row per {@code llm_calls} row: the prompt messages read from {@code request}
   * ({@link RequestMessages}), the output ({@code response} as logged) and, when the call cannot
   * feed a dataset, why ({@code call_error}: status not ok, no response, unreadable request). Prompt
   * contents and the output are PII-scrubbed here, once per call rather than once per event and
   * dataset ({@link #scrubbed}); whether the response is blank is judged before scrubbing.
   */
  public static Dataset<Row> withPromptAndOutput(Dataset<Row> llmCalls) {
    UserDefinedFunction parse = udf((UDF1<String, Row>) FeedbackEvents::parseRequest, PARSED_REQUEST);
    Dataset<Row> p = llmCalls.withColumn("_req", parse.apply(col("request")));
    Column error = when(col("status").isNull().or(col("status").notEqual("ok")),
            concat(lit("call status is "), coalesce(col("status"), lit("null"))))
        .when(col("response").isNull().or(trim(col("response")).equalTo("")), lit("call has no response"))
        .otherwise(col("_req.prompt_error"));
    Column prompt = transform(col("_req.prompt"),
        m -> struct(m.getField("role").as("role"), scrubbed(m.getField("content")).as("content")));
    return p.select(col("call_id"), col("job"), prompt.as("prompt"), scrubbed(col("response")).as("output"),
        error.as("call_error"));
  }

  /**
   * {@code text} with e-mails, phone and card numbers masked by the guardrails' {@link PiiRedactor}
   * (docs/feedback.md#cleaning): every text a dataset row is made of passes through here.
   */
  public static Column scrubbed(Column text) {
    return udf((UDF1<String, String>) PiiRedactor::redact, DataTypes.StringType).apply(text);
  }

  /**
   * {@code events} (columns of {@link #SCHEMA}) with, per event: the parsed payload, the prompt and
   * output of its call (for a pairwise event, {@code other_*} of the other call), {@code token_count},
   * {@code reject_reason} / {@code reject_detail} (null when usable), {@code precedence}
   * ({@code effective}, {@code superseded}, {@code conflicting}; null when rejected before) and
   * {@code is_effective}: the rows the dataset mappings read. The job runs the same steps apart
   * ({@link #withParsedPayload}, {@link #eventChecks}, {@link #withPrecedence}, {@link #withTexts}), so
   * that the texts join only the effective events.
   *
   * @param callTexts the output of {@link #withPromptAndOutput}
   * @param maxTokens examples longer than this (prompt and longest answer, {@link ExampleTokens}) are rejected
   */
  public static Dataset<Row> withEventChecks(Dataset<Row> events, Dataset<Row> callTexts, int maxTokens) {
    return withTexts(withPrecedence(eventChecks(withParsedPayload(events), callTexts, maxTokens)), callTexts);
  }

  /**
   * Adds the columns of {@link #PARSED_PAYLOAD}, parsed from each event's payload, with
   * {@code edited_text} PII-scrubbed; {@code payload_error} says why a payload is malformed.
   */
  public static Dataset<Row> withParsedPayload(Dataset<Row> events) {
    UserDefinedFunction parse = udf((UDF3<String, String, String, Row>) FeedbackEvents::parsePayload, PARSED_PAYLOAD);
    return events
        .withColumn("_p", parse.apply(col("event_type"), col("call_id"), col("payload")))
        .select(col("*"), col("_p.*")).drop("_p")
        .withColumn("edited_text", scrubbed(col("edited_text")));
  }

  /**
   * What the checks need of each call, without its texts: {@code call_id}, {@code job},
   * {@code call_error}, {@code prompt_hash} (SHA-256 of the scrubbed prompt's JSON: equal prompts, equal
   * hashes), {@code prompt_chars} and {@code output_chars} (scrubbed lengths, for the token limit).
   */
  static Dataset<Row> callFeatures(Dataset<Row> callTexts) {
    return callTexts.select(col("call_id"), col("job"), col("call_error"),
        sha2(to_json(col("prompt")), 256).as("prompt_hash"), promptChars().as("prompt_chars"),
        coalesce(length(col("output")), lit(0)).as("output_chars"));
  }

  private static Column promptChars() {
    return coalesce(expr("aggregate(prompt, 0L, (acc, m) -> acc + coalesce(length(m.content), 0))"), lit(0L));
  }

  /**
   * {@link #withEventChecks} before precedence and without the texts: events with the columns of
   * {@link #withParsedPayload}, and per event {@code other_call_id}, {@code job}, {@code token_count},
   * {@code reject_reason} and {@code reject_detail}. Only the calls' narrow features
   * ({@link #callFeatures}) are joined, so the rows the checks shuffle stay small. The job checkpoints
   * this, because {@link #withPrecedence} reads it three times.
   */
  public static Dataset<Row> eventChecks(Dataset<Row> parsedEvents, Dataset<Row> callTexts, int maxTokens) {
    Dataset<Row> e = parsedEvents
        .withColumn("_dup_rank", row_number().over(Window.partitionBy("event_id")
            .orderBy(col("event_time").asc_nulls_last(), col("payload").asc_nulls_first(), col("user_id").asc_nulls_last(),
                col("call_id").asc_nulls_last(), col("event_type").asc_nulls_last(), col("session_id").asc_nulls_last())))
        .withColumn("other_call_id", otherCallId());
    Dataset<Row> features = callFeatures(callTexts);
    Dataset<Row> own = features.select(col("call_id").as("_c_id"), col("job"), col("prompt_hash"), col("prompt_chars"),
        col("output_chars"), col("call_error"));
    Dataset<Row> other = pairedCalls(features, parsedEvents.select(otherCallId().as("_p_id")))
        .select(col("call_id").as("_o_id"), col("prompt_hash").as("other_prompt_hash"),
            col("output_chars").as("other_output_chars"), col("call_error").as("other_call_error"));
    Dataset<Row> j = e.join(own, e.col("call_id").equalTo(own.col("_c_id")), "left")
        .join(other, otherCallKey().equalTo(other.col("_o_id")), "left");

    Column answerChars = greatest(coalesce(col("output_chars"), lit(0)), coalesce(length(col("edited_text")), lit(0)),
        coalesce(col("other_output_chars"), lit(0)));
    j = j.withColumn("token_count", ExampleTokens.fromChars(coalesce(col("prompt_chars"), lit(0L)).plus(answerChars)));

    Column blank = lit(false);
    List<Column> missing = new ArrayList<>();
    for (String c : List.of("event_id", "user_id", "call_id", "event_type")) {
      Column isBlank = col(c).isNull().or(trim(col(c)).equalTo(""));
      blank = blank.or(isBlank);
      missing.add(when(isBlank, lit(c)));
    }
    Column known = col("event_type").isin(FeedbackEventType.codes().toArray());
    Column isPairwise = col("event_type").equalTo(FeedbackEventType.PAIRWISE.code());
    Column[][] checks = {
      {blank, lit(RejectReason.MISSING_FIELD.code()),
          concat(concat_ws(", ", missing.toArray(Column[]::new)), lit(" is null or blank"))},
      {col("_dup_rank").gt(1), lit(RejectReason.DUPLICATE_EVENT.code()),
          concat(lit("event_id "), col("event_id"), lit(" already seen"))},
      {not(known), lit(RejectReason.UNKNOWN_EVENT_TYPE.code()),
          concat(lit("event_type '"), col("event_type"), lit("' is not one of " + String.join(", ", FeedbackEventType.codes())))},
      {col("payload_error").isNotNull(), lit(RejectReason.MALFORMED_PAYLOAD.code()), col("payload_error")},
      {col("_c_id").isNull(), lit(RejectReason.UNKNOWN_CALL.code()),
          concat(lit("call_id "), col("call_id"), lit(" is not in llm_calls"))},
      {isPairwise.and(col("_o_id").isNull()), lit(RejectReason.UNKNOWN_CALL.code()),
          concat(lit("pairwise call_id "), col("other_call_id"), lit(" is not in llm_calls"))},
      {col("call_error").isNotNull(), lit(RejectReason.NO_OUTPUT.code()), col("call_error")},
      {isPairwise.and(col("other_call_error").isNotNull()), lit(RejectReason.NO_OUTPUT.code()),
          concat(lit("pairwise call "), col("other_call_id"), lit(": "), col("other_call_error"))},
      {isPairwise.and(not(col("prompt_hash").equalTo(col("other_prompt_hash")))), lit(RejectReason.MISMATCHED_PROMPTS.code()),
          concat(lit("pairwise calls "), col("call_id"), lit(" and "), col("other_call_id"), lit(" have different prompts"))},
      {col("token_count").gt(maxTokens), lit(RejectReason.OVER_TOKEN_LIMIT.code()),
          concat(col("token_count"), lit(" tokens > feedback token limit " + maxTokens))},
    };
    Column reason = lit(null).cast(DataTypes.StringType);
    Column detail = lit(null).cast(DataTypes.StringType);
    for (int i = checks.length - 1; i >= 0; i--) {
      reason = when(checks[i][0], checks[i][1]).otherwise(reason);
      detail = when(checks[i][0], checks[i][2]).otherwise(detail);
    }
    return j.withColumn("reject_reason", reason).withColumn("reject_detail", detail)
        .drop("_dup_rank", "_c_id", "_o_id", "other_call_error", "prompt_hash", "other_prompt_hash", "prompt_chars",
            "output_chars", "other_output_chars", "call_error");
  }

  /** The rows of {@code calls} that some event names as its other call ({@code otherIds}: column {@code _p_id}, null for most). */
  private static Dataset<Row> pairedCalls(Dataset<Row> calls, Dataset<Row> otherIds) {
    Dataset<Row> ids = otherIds.filter(col("_p_id").isNotNull()).distinct();
    return calls.join(ids, calls.col("call_id").equalTo(ids.col("_p_id")), "left_semi");
  }

  /**
   * The key an event joins its other call on. Only pairwise events have another call: the rest join on
   * a key no call has, unique per event, so that they spread over the shuffle instead of all landing,
   * as nulls would, in one partition.
   */
  private static Column otherCallKey() {
    return coalesce(col("other_call_id"), concat(lit("\u0000none-"), col("event_id")));
  }

  /** For a pairwise event, the call of the pair that is not its own (null for every other event). */
  private static Column otherCallId() {
    return when(col("pair_call_a").equalTo(col("call_id")), col("pair_call_b"))
        .when(col("pair_call_b").equalTo(col("call_id")), col("pair_call_a"));
  }

  /**
   * Adds the texts to checked events: {@code prompt} and {@code output} of the event's call and, for a
   * pairwise event, {@code other_output} of the other call (null where the call is unknown).
   */
  public static Dataset<Row> withTexts(Dataset<Row> checked, Dataset<Row> callTexts) {
    Dataset<Row> own = callTexts.select(col("call_id").as("_c_id"), col("prompt"), col("output"));
    Dataset<Row> other = pairedCalls(callTexts, checked.select(col("other_call_id").as("_p_id")))
        .select(col("call_id").as("_o_id"), col("output").as("other_output"));
    return checked.join(own, checked.col("call_id").equalTo(own.col("_c_id")), "left")
        .join(other, otherCallKey().equalTo(other.col("_o_id")), "left")
        .drop("_c_id", "_o_id");
  }

  /**
   * Adds {@code precedence} and {@code is_effective} to the output of {@link #eventChecks}; turns
   * {@code conflicting} into a reject reason.
   */
  public static Dataset<Row> withPrecedence(Dataset<Row> checked) {
    Dataset<Row> usable = checked.filter(col("reject_reason").isNull());
    UserDefinedFunction resolve = udf((UDF1<Seq<Row>, Seq<Row>>) FeedbackEvents::resolveSubject,
        DataTypes.createArrayType(DECISION));
    Dataset<Row> decisions = usable
        .groupBy("subject_key")
        .agg(collect_list(struct(col("event_id"), col("user_id"), col("event_type"),
            col("event_time").cast("double").multiply(1000).cast("long").as("event_ms"), col("stance"))).as("_signals"))
        .select(explode(resolve.apply(col("_signals"))).as("_d"))
        .select(col("_d.event_id").as("_d_event_id"), col("_d.decision").as("precedence"));
    Dataset<Row> decided = usable.join(decisions, usable.col("event_id").equalTo(decisions.col("_d_event_id")), "left")
        .drop("_d_event_id");
    Dataset<Row> rejected = checked.filter(col("reject_reason").isNotNull())
        .withColumn("precedence", lit(null).cast(DataTypes.StringType));
    Column conflicting = col("precedence").equalTo("conflicting");
    return decided.unionByName(rejected)
        .withColumn("reject_detail", when(conflicting,
            concat(lit("users disagree about "), col("subject_key"))).otherwise(col("reject_detail")))
        .withColumn("reject_reason", when(conflicting, lit(RejectReason.CONFLICTING.code())).otherwise(col("reject_reason")))
        .withColumn("is_effective", coalesce(col("precedence").equalTo("effective"), lit(false)));
  }

  static Row parseRequest(String request) {
    try {
      List<ChatMessage> messages = RequestMessages.parse(request);
      List<Row> rows = new ArrayList<>(messages.size());
      for (ChatMessage m : messages) {
        rows.add(RowFactory.create(m.role(), m.content()));
      }
      return RowFactory.create(scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq(), null);
    } catch (IllegalArgumentException e) {
      return RowFactory.create(null, e.getMessage());
    }
  }

  static Row parsePayload(String eventType, String callId, String payload) {
    FeedbackEventType type = FeedbackEventType.of(eventType).orElse(null);
    if (type == null) {
      return RowFactory.create(null, null, null, null, null, null, null, null, null, null, null);
    }
    Parsed parsed = FeedbackPayload.parse(type, payload);
    if (!parsed.isOk()) {
      return RowFactory.create(parsed.error(), null, null, null, null, null, null, null, null, null, null);
    }
    FeedbackPayload p = parsed.payload();
    if (p instanceof FeedbackPayload.Pairwise pw && callId != null && !callId.equals(pw.callA()) && !callId.equals(pw.callB())) {
      return RowFactory.create("call_id " + callId + " is not one of payload.call_ids", null, null, null, null, null, null,
          null, null, null, null);
    }
    String subject = callId == null ? null : SignalPrecedence.subjectKey(type, callId, p);
    String stance = SignalPrecedence.stance(type, p);
    if (p instanceof FeedbackPayload.Edited ed) {
      return RowFactory.create(null, ed.editedText(), null, null, null, null, null, null, null, subject, stance);
    }
    if (p instanceof FeedbackPayload.Regenerated rg) {
      return RowFactory.create(null, null, rg.nextCallId(), null, null, null, null, null, null, subject, stance);
    }
    if (p instanceof FeedbackPayload.Pairwise pw) {
      return RowFactory.create(null, null, null, pw.callA(), pw.callB(), pw.preferred(), pw.tie(), null, null, subject, stance);
    }
    if (p instanceof FeedbackPayload.BinaryLabel bl) {
      return RowFactory.create(null, null, null, null, null, null, null, bl.question(), bl.answer(), subject, stance);
    }
    return RowFactory.create(null, null, null, null, null, null, null, null, null, subject, stance);
  }

  static Seq<Row> resolveSubject(Seq<Row> signals) {
    List<SignalPrecedence.Signal> list = new ArrayList<>(signals.size());
    scala.collection.Iterator<Row> it = signals.iterator();
    while (it.hasNext()) {
      Row r = it.next();
      list.add(new SignalPrecedence.Signal(r.getString(0), r.getString(1),
          FeedbackEventType.of(r.getString(2)).orElseThrow(), r.isNullAt(3) ? Long.MIN_VALUE : r.getLong(3), r.getString(4)));
    }
    List<Row> out = new ArrayList<>(list.size());
    for (Map.Entry<String, SignalPrecedence.Decision> d : SignalPrecedence.resolve(list).entrySet()) {
      out.add(RowFactory.create(d.getKey(), d.getValue().name().toLowerCase(java.util.Locale.ROOT)));
    }
    return scala.jdk.javaapi.CollectionConverters.asScala(out).toSeq();
  }
}
