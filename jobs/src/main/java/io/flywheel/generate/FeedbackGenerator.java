package io.flywheel.generate;

import static org.apache.spark.sql.functions.*;

import io.flywheel.feedback.FeedbackEvents;
import io.flywheel.feedback.RejectReason;
import io.flywheel.udfs.Hashing;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Deterministic feedback events for calls that exist in {@code llm_calls} (docs/feedback.md#sample-events),
 * with messy events planted in exact, stated amounts: late events, duplicate event ids, events for
 * unknown calls, conflicting signals on one output, malformed payloads, one user's superseded signal,
 * and heavy users. Calls are ranked by a seeded hash of their id, and call number {@code i} carries
 * the plant {@code i mod 50} (0-5) or is a heavy user's ({@code i mod 10 == 7}), so every amount is a
 * function of the number of calls alone.
 */
public final class FeedbackGenerator implements Serializable {
  /** {@link FeedbackEvents#SCHEMA} plus {@code planted}: the plant, or null for an ordinary event. */
  public static final StructType SCHEMA = FeedbackEvents.SCHEMA.add("planted", "string");

  /** Plants, by {@code i mod PERIOD} of the call's rank; their events are marked in {@code planted}. */
  public static final int PERIOD = 50;

  /** A plant: its {@code planted} name, the residue of {@code i mod PERIOD} that carries it, and the reject reason expected. */
  public enum Plant {
    UNKNOWN_CALL("unknown_call", 0, RejectReason.UNKNOWN_CALL.code()),
    DUPLICATE_EVENT("duplicate_event", 1, RejectReason.DUPLICATE_EVENT.code()),
    MALFORMED_PAYLOAD("malformed_payload", 2, RejectReason.MALFORMED_PAYLOAD.code()),
    CONFLICTING("conflicting", 3, RejectReason.CONFLICTING.code()),
    /** An ordinary event that arrives 30-60 days after the call: usable, and must be picked up once. */
    LATE("late", 4, null),
    /** The same user accepts then regenerates: the accept is superseded, the regenerate is used. */
    SUPERSEDED("superseded", 5, null),
    /** Events of the three heavy users ({@code i mod 10 == 7}): usable. */
    HEAVY_USER("heavy_user", -1, null);

    private final String code;
    private final int residue;
    private final String expectedReason;

    Plant(String code, int residue, String expectedReason) {
      this.code = code;
      this.residue = residue;
      this.expectedReason = expectedReason;
    }

    public String code() {
      return code;
    }

    /** The reject reason every event of this plant must get, or null when the plant is usable. */
    public String expectedReason() {
      return expectedReason;
    }

    /**
     * How many events carry this plant when {@code calls} usable calls are given: one per carrying
     * call, two for a conflict and for a superseded signal (both users', or both of the user's, events).
     */
    public long events(long calls) {
      long carriers = this == HEAVY_USER ? carriers(calls, 10, 7) : carriers(calls, PERIOD, residue);
      return switch (this) {
        case CONFLICTING, SUPERSEDED -> 2 * carriers;
        default -> carriers;
      };
    }

    private static long carriers(long n, int period, int residue) {
      return n <= residue ? 0 : (n - 1 - residue) / period + 1;
    }
  }

  static final String[] HEAVY_USERS = {"FU-heavy-1", "FU-heavy-2", "FU-heavy-3"};
  private static final String[] ORDINARY = {"accept", "accept", "accept", "accept_edited", "ignore", "ignore", "reject",
      "thumbs_up", "thumbs_up", "thumbs_down", "regenerate", "binary_label"};
  private static final String[] QUESTIONS = {"factually_consistent", "mentions_price", "on_topic"};
  private static final String[] EDITS = {" Shorter and clearer.", " (edited)", " Now with the size in litres."};
  private static final String[] BROKEN = {"{\"edited_text\": ", "{edited_text: 'x'}", "[\"not\", \"an object\"]", "{}",
      "{\"edited_text\": 42}"};

  private final long seed;
  private final long users;

  public FeedbackGenerator(long seed, long users) {
    this.seed = seed;
    this.users = Math.max(10, users);
  }

  /**
   * The entry point of {@code flywheel generate --feedback}: writes the events for the usable calls
   * of {@code llmCalls} (status {@code ok} with a response) to {@code eventsPath} as Delta, without
   * the {@code planted} column, and the planted truth ({@code event_id, call_id, event_type, planted,
   * expected_reason}) to {@code eventsPath + "_planted"}. Returns the number of events written.
   */
  public static long write(Dataset<Row> llmCalls, long seed, String eventsPath) {
    Dataset<Row> events = generate(llmCalls, seed).cache();
    try {
      events.drop("planted").write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(eventsPath);
      withExpectedReason(events.filter(col("planted").isNotNull()))
          .select("event_id", "call_id", "event_type", "planted", "expected_reason")
          .write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(eventsPath + "_planted");
      return events.count();
    } finally {
      events.unpersist();
    }
  }

  /** Adds {@code expected_reason} from {@code planted}. */
  public static Dataset<Row> withExpectedReason(Dataset<Row> events) {
    org.apache.spark.sql.Column reason = lit(null).cast("string");
    for (Plant p : Plant.values()) {
      reason = when(col("planted").equalTo(p.code()), p.expectedReason() == null ? lit(null).cast("string") : lit(p.expectedReason()))
          .otherwise(reason);
    }
    return events.withColumn("expected_reason", reason);
  }

  /** The events ({@link #SCHEMA}) for the usable calls of {@code llmCalls}; same calls and seed, same rows. */
  public static Dataset<Row> generate(Dataset<Row> llmCalls, long seed) {
    SparkSession spark = llmCalls.sparkSession();
    Dataset<Row> usable = llmCalls
        .filter(col("status").equalTo("ok").and(col("response").isNotNull()).and(col("call_id").isNotNull()))
        .select(col("call_id"), col("job"), col("item_key"), col("request_key"), col("created_at"),
            sha2(concat(lit(seed + "|"), col("call_id")), 256).as("_rank"))
        .orderBy("_rank", "call_id");
    long n = usable.count();
    FeedbackGenerator gen = new FeedbackGenerator(seed, n / 3);
    JavaRDD<Row> events = usable.javaRDD().zipWithIndex()
        .flatMap((Tuple2<Row, Long> t) -> gen.eventsFor(t._2(), t._1()).iterator());
    Dataset<Row> ordinary = spark.createDataFrame(events, SCHEMA);
    // Pairwise needs two outputs of the same prompt: calls that share a request key.
    Dataset<Row> pairs = usable.where(col("request_key").isNotNull()).groupBy("request_key")
        .agg(sort_array(collect_list(col("call_id"))).as("_calls"), max(col("created_at")).as("_at"))
        .filter(size(col("_calls")).geq(2));
    JavaRDD<Row> pairwise = pairs.javaRDD().map(r -> gen.pairwise(r.getString(0),
        r.<String>getList(1).get(0), r.<String>getList(1).get(1), r.getTimestamp(2)));
    return ordinary.unionByName(spark.createDataFrame(pairwise, SCHEMA));
  }

  /** The events of the usable call ranked {@code i} ({@code call_id, job, item_key, request_key, created_at}). */
  List<Row> eventsFor(long i, Row call) {
    String callId = call.getString(0);
    String job = call.getString(1);
    String itemKey = call.getString(2);
    Timestamp at = call.getTimestamp(4);
    long base = at == null ? Timestamp.valueOf("2026-11-01 00:00:00").getTime() : at.getTime();
    SplittableRandom r = new SplittableRandom(CatalogGenerator.mix(seed, callId.hashCode(), 71) ^ i);
    List<Row> out = new ArrayList<>();
    boolean heavy = i % 10 == 7;
    String user = heavy ? HEAVY_USERS[(int) (i / 10 % HEAVY_USERS.length)] : user(r, job, itemKey);
    long t = base + 60_000L + r.nextLong(3L * 24 * 3600 * 1000);
    String planted = heavy ? Plant.HEAVY_USER.code() : null;
    int residue = (int) (i % PERIOD);
    switch (heavy ? -1 : residue) {
      case 0 -> {
        out.add(event(eventId(callId, 0), t, user, callId, "accept", null, null));
        out.add(event(eventId(callId, 1), t + 1000, user, "gone-" + callId, "thumbs_up", null, Plant.UNKNOWN_CALL.code()));
      }
      case 1 -> {
        String id = eventId(callId, 0);
        out.add(event(id, t, user, callId, "thumbs_up", null, null));
        // The client retried: same event id, delivered again 2 s later; only this copy is the plant.
        out.add(event(id, t + 2000, user, callId, "thumbs_up", null, Plant.DUPLICATE_EVENT.code()));
      }
      case 2 -> out.add(event(eventId(callId, 0), t, user, callId, "accept_edited", BROKEN[r.nextInt(BROKEN.length)],
          Plant.MALFORMED_PAYLOAD.code()));
      case 3 -> {
        String other = "FU-c" + Long.toString(i, 36);
        out.add(event(eventId(callId, 0), t, user, callId, "thumbs_up", null, Plant.CONFLICTING.code()));
        out.add(event(eventId(callId, 1), t + 5000, other, callId, "reject", null, Plant.CONFLICTING.code()));
      }
      case 4 -> out.add(event(eventId(callId, 0), base + (30L + r.nextInt(31)) * 24 * 3600 * 1000, user, callId, "accept",
          null, Plant.LATE.code()));
      case 5 -> {
        out.add(event(eventId(callId, 0), t, user, callId, "accept", null, Plant.SUPERSEDED.code()));
        out.add(event(eventId(callId, 1), t + 30_000, user, callId, "regenerate", null, Plant.SUPERSEDED.code()));
      }
      default -> {
        String type = ORDINARY[r.nextInt(ORDINARY.length)];
        out.add(event(eventId(callId, 0), t, user, callId, type, payload(r, type), planted));
      }
    }
    return out;
  }

  Row pairwise(String requestKey, String a, String b, Timestamp at) {
    SplittableRandom r = new SplittableRandom(CatalogGenerator.mix(seed, requestKey.hashCode(), 73));
    String preferred = r.nextInt(10) == 0 ? "tie" : r.nextBoolean() ? a : b;
    String payload = "{\"call_ids\": [\"" + a + "\", \"" + b + "\"], \"preferred\": \"" + preferred + "\"}";
    long t = (at == null ? Timestamp.valueOf("2026-11-01 00:00:00").getTime() : at.getTime()) + 3_600_000L;
    return event(eventId(a + "|" + b, 9), t, "FU-judge-" + r.nextInt(5), a, "pairwise", payload, null);
  }

  private String user(SplittableRandom r, String job, String itemKey) {
    if ("recommend".equals(job) && itemKey != null) {
      // A recommendation list is shown to the user it was made for.
      return itemKey;
    }
    // Cubing a uniform draw skews activity: low user numbers give far more feedback.
    return String.format(Locale.ROOT, "FU-%06d", (long) (users * Math.pow(r.nextDouble(), 3)));
  }

  private static String payload(SplittableRandom r, String type) {
    return switch (type) {
      case "accept_edited" -> "{\"edited_text\": \"Edited summary." + EDITS[r.nextInt(EDITS.length)] + "\"}";
      case "binary_label" -> "{\"question\": \"" + QUESTIONS[r.nextInt(QUESTIONS.length)] + "\", \"answer\": "
          + r.nextBoolean() + "}";
      case "thumbs_up", "thumbs_down" -> r.nextInt(4) == 0 ? "{\"surface\": \"card\"}" : null;
      default -> null;
    };
  }

  private String eventId(String key, int j) {
    return "EV-" + Hashing.sha256Parts(List.of(Long.toString(seed), key, Integer.toString(j))).substring(0, 20);
  }

  private static Row event(String id, long millis, String user, String callId, String type, String payload, String planted) {
    String session = "S-" + Hashing.sha256Parts(List.of(user, Long.toString(millis / (3600_000L * 6)))).substring(0, 12);
    return RowFactory.create(id, new Timestamp(millis), user, session, callId, type, payload, planted);
  }
}
