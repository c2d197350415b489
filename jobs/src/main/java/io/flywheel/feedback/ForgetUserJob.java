package io.flywheel.feedback;

import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.flywheel.config.ConfigException;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.job.Job;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import io.flywheel.udfs.Hashing;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Removes one user's feedback events and every example derived from them (or from a model call made
 * for them), and keeps the feedback job from reading their events again; with {@code --purge} also
 * removes the old table versions that still hold them. Run it with
 * {@code bin/flywheel forget-user --user U [--purge]}. On the job contract (audited in {@code runs},
 * {@code --dry-run} counts what would go) but not scheduled. See docs/feedback.md#forget-user.
 */
public final class ForgetUserJob implements Job {
  static final String JOB = "forget-user";
  /** The feedback tables that hold a {@code user_id}. */
  static final List<Table> USER_TABLES = List.of(Table.SFT_EXAMPLES, Table.PREFERENCE_PAIRS, Table.KTO_EXAMPLES,
      Table.BINARY_LABELS, Table.FEEDBACK_REJECTS, Table.FEEDBACK_CONSUMED);

  private final String userId;
  private final boolean purge;

  public ForgetUserJob(String userId, boolean purge) {
    this.userId = userId;
    this.purge = purge;
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public String description() {
    return "remove a user's feedback events and every example derived from them (--user U [--purge])";
  }

  @Override
  public List<Table> tables() {
    List<Table> out = new ArrayList<>(USER_TABLES);
    out.add(Table.FORGOTTEN_USERS);
    return out;
  }

  @Override
  public FlywheelConfig.JobSettings settings(FlywheelConfig config) {
    return config.feedback();
  }

  /** The user's id is never printed or stored: this short hash names them in the output. */
  static String tag(String userId) {
    return "user#" + Hashing.sha256(userId).substring(0, 12);
  }

  /** Counts the rows that will be removed, per table. */
  @Override
  public Job.Plan plan(RunContext ctx, RunLog log) {
    if (userId == null || userId.isBlank() || userId.equals("true")) {
      throw new ConfigException("forget-user needs --user USER_ID");
    }
    long t0 = System.nanoTime();
    // Calls made for the user (recommendation lists): examples other users' feedback made of them carry the user's data too.
    List<String> calls = new ArrayList<>();
    if (ctx.warehouse().exists(Table.LLM_CALLS)) {
      for (Row r : ctx.warehouse().read(Table.LLM_CALLS)
          .filter(col("job").equalTo("recommend").and(col("item_key").equalTo(userId))).select("call_id").collectAsList()) {
        calls.add(r.getString(0));
      }
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Table t : USER_TABLES) {
      long n = ctx.warehouse().exists(t) ? ctx.warehouse().read(t).filter(condition(t, calls)).count() : 0;
      counts.put(t.tableName(), n);
      log.count("plan_" + t.tableName(), n);
    }
    String events = eventsTable(ctx);
    long inInput = events == null ? 0
        : ctx.spark().read().format("delta").load(events).filter(col("user_id").equalTo(userId)).count();
    log.count("plan_feedback_events", inInput);
    log.count("plan_calls", 0);
    log.timed("plan", t0);
    System.out.printf(Locale.ROOT, "forget-user plan for %s: rows to delete %s, %d events in the input %s%s%n",
        tag(userId), counts, inInput, ctx.config().feedback().eventsPath(),
        purge ? "; then purge old versions of every table touched (VACUUM RETAIN 0 HOURS)" : "");
    if (events == null) {
      System.out.printf(Locale.ROOT, "  the events input is %s, not Delta: it cannot be changed here; the feedback job skips"
          + " the user's events from now on (forgotten_users), and the input must be cleaned at its source%n",
          ctx.config().feedback().eventsFormat());
    }
    return new Run(ctx, calls, events);
  }

  /** The events input when it is a Delta table this command can delete from, else null. */
  private static String eventsTable(RunContext ctx) {
    FlywheelConfig.Feedback f = ctx.config().feedback();
    return f.eventsFormat().equals("delta") && DeltaTable.isDeltaTable(ctx.spark(), f.eventsPath()) ? f.eventsPath() : null;
  }

  /** The user's rows of {@code t}: theirs, or made of a call made for them. */
  private Column condition(Table t, List<String> calls) {
    Column c = col("user_id").equalTo(userId);
    if (calls.isEmpty()) {
      return c;
    }
    Object[] ids = calls.toArray();
    List<String> names = List.of(t.schema().fieldNames());
    for (String callColumn : List.of("call_id", "chosen_call_id", "rejected_call_id")) {
      if (names.contains(callColumn)) {
        c = c.or(col(callColumn).isin(ids));
      }
    }
    return c;
  }

  /** The planned removal. */
  private final class Run implements Job.Plan {
    private final RunContext ctx;
    private final List<String> calls;
    private final String events;

    Run(RunContext ctx, List<String> calls, String events) {
      this.ctx = ctx;
      this.calls = calls;
      this.events = events;
    }

    @Override
    public String execute(RunLog log, TableWrites writes) {
      long t0 = System.nanoTime();
      SparkSession spark = ctx.spark();
      // First the suppression list, so that a feedback run racing this one cannot read the events back in.
      Dataset<Row> hash = spark.createDataFrame(List.of(RowFactory.create(Hashing.sha256(userId),
          Timestamp.from(ctx.startedAt()), ctx.runId())), Table.FORGOTTEN_USERS.schema());
      writes.insertNew(hash, Table.FORGOTTEN_USERS);
      List<String> touched = new ArrayList<>();
      for (Table t : USER_TABLES) {
        long n = ctx.warehouse().read(t).filter(condition(t, calls)).count();
        if (n > 0) {
          writes.deleteWhere(t, condition(t, calls), spark);
          touched.add(ctx.warehouse().path(t));
        }
        log.count("deleted_" + t.tableName(), n);
      }
      if (events != null) {
        long n = spark.read().format("delta").load(events).filter(col("user_id").equalTo(userId)).count();
        if (n > 0) {
          DeltaTable.forPath(spark, events).delete(col("user_id").equalTo(userId));
          touched.add(events);
        }
        log.count("deleted_feedback_events", n);
      }
      log.timed("delete", t0);
      if (purge) {
        long t1 = System.nanoTime();
        purge(spark, touched);
        log.count("tables_purged", touched.size());
        log.timed("purge", t1);
      }
      System.out.printf(Locale.ROOT, "forget-user: %s removed from %d tables%s%n", tag(userId), touched.size(),
          purge ? ", old versions purged" : "; older table versions still hold the rows until VACUUM (see --purge)");
      return null;
    }
  }

  /**
   * Removes every file the current version of each table no longer needs: deletion vectors are
   * applied first (REORG ... APPLY (PURGE)), then VACUUM with no retention. That needs Delta's
   * retention check off for the moment (docs/feedback.md#forget-user): it protects readers and
   * writers still using old versions, so purge only when no feedback or export run is active.
   */
  static void purge(SparkSession spark, List<String> paths) {
    String key = "spark.databricks.delta.retentionDurationCheck.enabled";
    String before = spark.conf().get(key, "true");
    spark.conf().set(key, "false");
    // Delta's VACUUM lists the table's files with this many tasks (Spark's default: 10000) and pulls
    // them to the driver a partition, so a Spark job, at a time: on a small cluster most of its time
    // went there (52 s a table in the tests). Unless set, as many as the cluster has cores.
    String listing = "spark.sql.sources.parallelPartitionDiscovery.parallelism";
    boolean setListing = !spark.conf().contains(listing);
    if (setListing) {
      spark.conf().set(listing, String.valueOf(Math.max(1, spark.sparkContext().defaultParallelism())));
    }
    try {
      for (String p : paths) {
        spark.sql("REORG TABLE delta.`" + p + "` APPLY (PURGE)");
        DeltaTable.forPath(spark, p).vacuum(0.0);
      }
    } finally {
      spark.conf().set(key, before);
      if (setListing) {
        spark.conf().unset(listing);
      }
    }
  }
}
