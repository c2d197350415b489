package io.flywheel.eval;

import static org.apache.spark.sql.functions.*;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.run.RunContext;
import io.flywheel.run.RunLog;
import io.flywheel.table.Table;
import io.flywheel.table.TableWrites;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The pairwise judging step (docs/eval.md#eval-judge), for any job that compares two sets of outputs
 * for the same inputs (eval-judge, shadow-report): joins the sides on the input key, asks the judge
 * about each pair in both orders (answers cached in {@code judge_cache} by judge key, calls logged in
 * {@code llm_calls}), and combines the two verdicts with {@link PairwiseVerdict#combine}.
 *
 * <p>Use: {@code try (PairwiseJudge j = PairwiseJudge.plan(ctx, log, a, b)) { Outcome o = j.judge(log, writes); }}:
 * {@code plan} reads and counts (a dry run stops there; it writes nothing), {@code judge} calls and
 * writes {@code llm_calls} and {@code judge_cache}; the caller writes the judgements where it wants. A
 * job using it lists {@link #TABLES} among its tables.
 */
public final class PairwiseJudge implements AutoCloseable {
  /** The columns of a side: the input key both sides share, the input (may be null), the output, the row's id. */
  public static final StructType SIDE = StructType.fromDDL("input_key STRING, input STRING, output STRING, id STRING");
  /** The tables judging writes, for the using job's {@code tables()}. */
  public static final List<Table> TABLES = List.of(Table.LLM_CALLS, Table.JUDGE_CACHE);
  /** One judged pair (the columns of {@code eval_judgements} without the run's). */
  public static final StructType JUDGEMENT = StructType.fromDDL(
      "input_key STRING, id_a STRING, id_b STRING, chars_a INT, chars_b INT, length_imbalanced BOOLEAN, identical BOOLEAN,"
          + " verdict_ab STRING, verdict_ba STRING, verdict STRING, reasoning_ab STRING, reasoning_ba STRING,"
          + " answer_ab STRING, answer_ba STRING, judge_key_ab STRING, judge_key_ba STRING");

  /**
   * The judgements (rows of {@link #JUDGEMENT}, persisted until {@link #close}) and A's rates over all
   * pairs and over the pairs that are not length-imbalanced.
   */
  public record Outcome(Dataset<Row> judgements, WinRates all, WinRates lengthBalanced) {}

  private final RunContext ctx;
  private final JudgePrompt prompt;
  private final Dataset<Row> joined;
  private final Dataset<Row> pairs;
  private final Dataset<Row> work;
  private final long pending;
  private Dataset<Row> judgements;

  private PairwiseJudge(RunContext ctx, JudgePrompt prompt, Dataset<Row> joined, Dataset<Row> pairs, Dataset<Row> work, long pending) {
    this.ctx = ctx;
    this.prompt = prompt;
    this.joined = joined;
    this.pairs = pairs;
    this.work = work;
    this.pending = pending;
  }

  /**
   * Joins {@code a} and {@code b} (columns of {@link #SIDE}; an {@code at} timestamp column, when there,
   * picks the latest row of a key) and works out which questions the judge has not answered yet.
   * Counts into {@code log}: {@code a_keys}, {@code b_keys} (keys with an output), {@code pairs} (keys
   * with an output on both sides), {@code a_only}, {@code b_only}, {@code pairs_input_differs} (left
   * out: not the same input), {@code pairs_identical} (a tie without asking), {@code judge_questions}
   * (two per other pair) and {@code plan_calls} (those not cached). Writes nothing.
   */
  public static PairwiseJudge plan(RunContext ctx, RunLog log, Dataset<Row> a, Dataset<Row> b) {
    JudgePrompt prompt = JudgePrompt.of(ctx.config());
    Dataset<Row> joined = withPairs(withOnePerKey(a), withOnePerKey(b), prompt.pairwisePrefix())
        .persist(StorageLevel.MEMORY_AND_DISK());
    Row n = joined.agg(count(when(col("has_a"), lit(1))), count(when(col("has_b"), lit(1))),
        count(when(col("has_a").and(col("has_b")), lit(1))),
        count(when(col("has_a").and(col("has_b")).and(col("input_differs")), lit(1))),
        count(when(col("has_a").and(col("has_b")).and(not(col("input_differs"))).and(col("identical")), lit(1)))).first();
    log.count("a_keys", n.getLong(0));
    log.count("b_keys", n.getLong(1));
    log.count("pairs", n.getLong(2));
    log.count("a_only", n.getLong(0) - n.getLong(2));
    log.count("b_only", n.getLong(1) - n.getLong(2));
    log.count("pairs_input_differs", n.getLong(3));
    log.count("pairs_identical", n.getLong(4));
    Dataset<Row> pairs = joined.where(col("has_a").and(col("has_b")).and(not(col("input_differs"))));
    Dataset<Row> questions = withQuestions(pairs);
    Dataset<Row> work = JudgeCalls.filterUncached(questions, JudgeCalls.cachedKeys(ctx)).persist(StorageLevel.MEMORY_AND_DISK());
    long pending = work.count();
    log.count("judge_questions", 2 * (n.getLong(2) - n.getLong(3) - n.getLong(4)));
    log.count("plan_calls", pending);
    return new PairwiseJudge(ctx, prompt, joined, pairs, work, pending);
  }

  /** The questions the judge has not answered yet (as planned): the calls {@link #judge} makes. */
  public long pendingCalls() {
    return pending;
  }

  /** The judge prompt in use (its model and prompt name the judgements). */
  public JudgePrompt prompt() {
    return prompt;
  }

  /**
   * Asks the planned questions (batches of {@code eval.judge.batch_size}, committed to {@code llm_calls}
   * and {@code judge_cache}), then reads every pair's two answers from the cache and combines them.
   * Counts {@code judge_answers_without_verdict}, {@code pairs_length_imbalanced}, {@code wins},
   * {@code ties}, {@code losses} into {@code log}.
   */
  public Outcome judge(RunLog log, TableWrites writes) {
    FlywheelConfig.EvalJudge j = ctx.config().eval().judge();
    long t0 = System.nanoTime();
    JudgeCalls.callAndCache(ctx, log, writes, work, pending, j.batchSize(), j.callPartitions(), prompt, "judge");
    log.timed("judge_calls", t0);
    long t1 = System.nanoTime();
    Dataset<Row> cache = ctx.warehouse().readOrEmpty(Table.JUDGE_CACHE).select("judge_key", "verdict", "reasoning", "answer");
    judgements = withJudgements(pairs, cache, j.maxLengthRatio()).persist(StorageLevel.MEMORY_AND_DISK());
    long[] all = new long[3];
    long[] balanced = new long[3];
    long imbalanced = 0;
    for (Row r : judgements.groupBy("verdict", "length_imbalanced").count().collectAsList()) {
      int i = switch (r.getString(0)) {
        case "A" -> 0;
        case "tie" -> 1;
        default -> 2;
      };
      all[i] += r.getLong(2);
      if (r.getBoolean(1)) {
        imbalanced += r.getLong(2);
      } else {
        balanced[i] += r.getLong(2);
      }
    }
    log.count("pairs_length_imbalanced", imbalanced);
    log.count("wins", all[0]);
    log.count("ties", all[1]);
    log.count("losses", all[2]);
    log.timed("verdicts", t1);
    return new Outcome(judgements, WinRates.of(all[0], all[1], all[2]), WinRates.of(balanced[0], balanced[1], balanced[2]));
  }

  @Override
  public void close() {
    joined.unpersist();
    work.unpersist();
    if (judgements != null) {
      judgements.unpersist();
    }
  }

  /**
   * One row per input key: a row with a non-blank output first, then the latest ({@code at}, when the
   * side has it), then the greatest id; rows without a key are left out.
   */
  static Dataset<Row> withOnePerKey(Dataset<Row> side) {
    boolean hasAt = Arrays.asList(side.columns()).contains("at");
    Column hasOutput = col("output").isNotNull().and(trim(col("output")).notEqual(""));
    List<Column> order = hasAt ? List.of(hasOutput.desc(), col("at").desc_nulls_last(), col("id").desc_nulls_last())
        : List.of(hasOutput.desc(), col("id").desc_nulls_last());
    return side.where(col("input_key").isNotNull())
        .withColumn("_rn", row_number().over(Window.partitionBy("input_key").orderBy(order.toArray(Column[]::new))))
        .where(col("_rn").equalTo(1))
        .select(col("input_key"), col("input"), col("output"), col("id"), hasOutput.as("has_output"));
  }

  /**
   * The judge key of a pairwise question: SHA-256 of the prompt's {@code prefix}
   * ({@link JudgePrompt#pairwisePrefix}) and the SHA-256 of the input (a null input hashes as an
   * empty one marked null), of the response shown first and of the one shown second.
   */
  static Column judgeKey(String prefix, Column input, Column first, Column second) {
    return sha2(concat_ws("|", lit(prefix), sha2(coalesce(input, lit("\u0000null")), 256), sha2(first, 256), sha2(second, 256)), 256);
  }

  /**
   * The two sides (one row per key each) joined on the input key, full outer: {@code has_a},
   * {@code has_b} (the side has an output for the key), {@code input} (A's, else B's),
   * {@code input_differs} (both sides have an input and they differ), {@code identical} (equal
   * outputs), the outputs, ids, lengths in characters and both orders' judge keys.
   */
  static Dataset<Row> withPairs(Dataset<Row> a, Dataset<Row> b, String prefix) {
    Dataset<Row> x = a.select(col("input_key").as("k_a"), col("input").as("input_a"), col("output").as("output_a"),
        col("id").as("id_a"), col("has_output").as("has_a"));
    Dataset<Row> y = b.select(col("input_key").as("k_b"), col("input").as("input_b"), col("output").as("output_b"),
        col("id").as("id_b"), col("has_output").as("has_b"));
    Column input = coalesce(col("input_a"), col("input_b"));
    return x.join(y, x.col("k_a").equalTo(y.col("k_b")), "full_outer")
        .select(coalesce(col("k_a"), col("k_b")).as("input_key"), coalesce(col("has_a"), lit(false)).as("has_a"),
            coalesce(col("has_b"), lit(false)).as("has_b"), input.as("input"),
            coalesce(col("input_a").isNotNull().and(col("input_b").isNotNull()).and(col("input_a").notEqual(col("input_b"))), lit(false))
                .as("input_differs"),
            coalesce(col("output_a").equalTo(col("output_b")), lit(false)).as("identical"), col("output_a"), col("output_b"),
            col("id_a"), col("id_b"), length(col("output_a")).as("chars_a"), length(col("output_b")).as("chars_b"),
            judgeKey(prefix, input, col("output_a"), col("output_b")).as("judge_key_ab"),
            judgeKey(prefix, input, col("output_b"), col("output_a")).as("judge_key_ba"));
  }

  /** The questions of the pairs whose outputs differ: each pair in both orders ({@link JudgeCalls#WORK_SCHEMA}). */
  static Dataset<Row> withQuestions(Dataset<Row> pairs) {
    Dataset<Row> differ = pairs.where(not(col("identical")));
    Column none = lit(null).cast("string");
    Dataset<Row> ab = differ.select(col("judge_key_ab").as("judge_key"), concat(col("input_key"), lit("#ab")).as("item_key"),
        lit(JudgeCalls.PAIRWISE).as("kind"), col("input"), col("output_a").as("first"), col("output_b").as("second"),
        none.as("question"), none.as("question_text"));
    Dataset<Row> ba = differ.select(col("judge_key_ba").as("judge_key"), concat(col("input_key"), lit("#ba")).as("item_key"),
        lit(JudgeCalls.PAIRWISE).as("kind"), col("input"), col("output_b").as("first"), col("output_a").as("second"),
        none.as("question"), none.as("question_text"));
    return ab.unionByName(ba);
  }

  /**
   * Every pair's judgement ({@link #JUDGEMENT}) from the cached answers of its two questions: the
   * swapped order's verdict mapped back ({@link PairwiseVerdict#unswapped}), the final verdict by
   * {@link PairwiseVerdict#combine} (identical outputs: a tie without asking), the length flag by
   * {@link PairwiseVerdict#lengthImbalanced}.
   */
  static Dataset<Row> withJudgements(Dataset<Row> pairs, Dataset<Row> cache, double maxLengthRatio) {
    Dataset<Row> ab = cache.select(col("judge_key").as("c_key_ab"), col("verdict").as("c_verdict_ab"),
        col("reasoning").as("reasoning_ab"), col("answer").as("answer_ab"));
    Dataset<Row> ba = cache.select(col("judge_key").as("c_key_ba"), col("verdict").as("c_verdict_ba"),
        col("reasoning").as("reasoning_ba"), col("answer").as("answer_ba"));
    Dataset<Row> joined = pairs.join(ab, pairs.col("judge_key_ab").equalTo(ab.col("c_key_ab")).and(not(pairs.col("identical"))), "left")
        .join(ba, pairs.col("judge_key_ba").equalTo(ba.col("c_key_ba")).and(not(pairs.col("identical"))), "left")
        .select("input_key", "id_a", "id_b", "chars_a", "chars_b", "identical", "c_verdict_ab", "c_verdict_ba", "reasoning_ab",
            "reasoning_ba", "answer_ab", "answer_ba", "judge_key_ab", "judge_key_ba");
    return joined.map((MapFunction<Row, Row>) r -> {
      boolean identical = r.getAs("identical");
      PairwiseVerdict first = PairwiseVerdict.parse(r.getAs("c_verdict_ab"));
      PairwiseVerdict swapped = PairwiseVerdict.parse(r.getAs("c_verdict_ba"));
      PairwiseVerdict back = swapped == null ? null : swapped.unswapped();
      PairwiseVerdict verdict = identical ? PairwiseVerdict.TIE : PairwiseVerdict.combine(first, back);
      int charsA = r.getAs("chars_a");
      int charsB = r.getAs("chars_b");
      return RowFactory.create(r.getAs("input_key"), r.getAs("id_a"), r.getAs("id_b"), charsA, charsB,
          PairwiseVerdict.lengthImbalanced(charsA, charsB, maxLengthRatio), identical,
          first == null ? null : JudgePrompt.label(first), back == null ? null : JudgePrompt.label(back), JudgePrompt.label(verdict),
          r.getAs("reasoning_ab"), r.getAs("reasoning_ba"), r.getAs("answer_ab"), r.getAs("answer_ba"),
          identical ? null : r.getAs("judge_key_ab"), identical ? null : r.getAs("judge_key_ba"));
    }, Encoders.row(JUDGEMENT));
  }
}
