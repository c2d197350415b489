package io.flywheel.recommend;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.embed.Vectors;
import io.flywheel.job.CallBatches;
import io.flywheel.llm.CallBudget;
import io.flywheel.llm.CallLogText;
import io.flywheel.llm.CallOutcome;
import io.flywheel.llm.CallPool;
import io.flywheel.llm.Costs;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.LlmClients;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.LlmResponse;
import io.flywheel.llm.RetryingCaller;
import io.flywheel.table.Rows;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Runs on executors: for each user, retrieves candidates, prompts the model with the shuffled
 * history, validates the answer, resamples, and re-ranks with MMR (docs/recommend.md#the-job).
 */
public final class RecommendCalls implements CallBatches.Calls {
  /** Work row: a user's distinct purchased items (most recent first), recent suggestions, probe flag. */
  public static final StructType WORK_SCHEMA =
      StructType.fromDDL("user_id STRING, history ARRAY<STRING>, recent ARRAY<STRING>, is_probe BOOLEAN");

  static final String CALL_STRUCT =
      "STRUCT<call_id: STRING, attempt: INT, request: STRING, response: STRING, status: STRING,"
          + " error_class: STRING, error_message: STRING, finish_reason: STRING, attempts: INT,"
          + " input_tokens: INT, output_tokens: INT, latency_ms: BIGINT, reported_model: STRING,"
          + " created_at: TIMESTAMP>";

  /** Result row: the final list and what the metrics need. */
  public static final StructType RESULT_SCHEMA =
      StructType.fromDDL(
          "user_id STRING, status STRING, phrasing INT, attempts INT,"
              + " final ARRAY<STRUCT<rank: INT, item_id: STRING, title: STRING, score: DOUBLE, attempt: INT,"
              + " seed: BIGINT, history_order: ARRAY<STRING>>>,"
              + " first_matched ARRAY<STRING>, probe_matched ARRAY<STRING>, suggestions INT, hallucinations INT,"
              + " rejected_history INT, rejected_duplicate INT, rejected_recent INT,"
              + " calls ARRAY<" + CALL_STRUCT + ">");

  /** The probe generation for order sensitivity uses this attempt number (a shuffle no real attempt uses). */
  static final int PROBE_ATTEMPT = 1_000_000;

  private final FlywheelConfig.Llm llm;
  private final FlywheelConfig.Recommend rec;
  private final Broadcast<CatalogIndex> catalog;
  private final LocalDate runDate;
  private final String runId;
  private final int executors;

  public RecommendCalls(
      FlywheelConfig.Llm llm, FlywheelConfig.Recommend rec, Broadcast<CatalogIndex> catalog, LocalDate runDate,
      String runId, int executors) {
    this.llm = llm;
    this.rec = rec;
    this.catalog = catalog;
    this.runDate = runDate;
    this.runId = runId;
    this.executors = executors;
  }

  @Override
  public StructType resultSchema() {
    return RESULT_SCHEMA;
  }

  /**
   * The function Spark runs per partition: users handled by a pool of {@code llm.max_concurrency}
   * threads (one at a time for the CPU-bound {@code local} provider), at most that many calls in
   * flight per executor JVM (the caller is shared by the JVM's tasks), every call within {@code budget}.
   */
  public Iterator<Row> callPartition(Iterator<Row> work, CallBudget budget) throws Exception {
    RetryingCaller caller = LlmClients.caller(llm, executors, runId);
    CatalogIndex idx = catalog.value();
    Phrasings phrasings = new Phrasings(rec.phrasings());
    CallBudget spend = budget.copy();
    int concurrency = llm.provider().equals("local") ? 1 : llm.maxConcurrency();
    return CallPool.map(work, concurrency, w -> recommendOrFail(caller, idx, phrasings, w, spend));
  }

  /**
   * One row per partition: the calls its users may make (every attempt and the probe) and their
   * worst-case cost, for handing out {@code llm.budget} (about 30 tokens per listed item, 300 for
   * the instructions, every output token used).
   */
  public Iterator<Row> partitionEstimates(Iterator<Row> work) {
    long calls = 0;
    double cost = 0;
    while (work.hasNext()) {
      Row w = work.next();
      int n = rec.maxAttempts() + (!w.isNullAt(3) && w.getBoolean(3) ? 1 : 0);
      int items = Math.min(rec.historyMax(), w.getList(1).size()) + rec.candidates()
          + (rec.avoidRecent() && !w.isNullAt(2) ? w.getList(2).size() : 0);
      calls += n;
      cost += n * Costs.usd(llm, 300 + 30.0 * items, 40.0 * ask());
    }
    return List.of(RowFactory.create(calls, cost)).iterator();
  }

  /** Items asked of the model: with MMR on, more than k, and MMR keeps the k that fit best together. */
  private int ask() {
    return rec.mmr() ? (int) Math.ceil(rec.k() * rec.overgenerate()) : rec.k();
  }

  /**
   * {@link #recommend}, except that an unexpected error fails only this user (retried by the next
   * run of the date) instead of the task, whose retry would call every user of the partition again.
   */
  private Row recommendOrFail(RetryingCaller caller, CatalogIndex idx, Phrasings phrasings, Row w, CallBudget budget) {
    try {
      return recommend(caller, idx, phrasings, w, budget);
    } catch (RuntimeException e) {
      System.err.println("recommend: user " + w.getString(0) + " failed (" + e.getClass().getName()
          + "); the next run of the date retries it");
      return RowFactory.create(w.getString(0), "failed", phrasings.index(w.getString(0), runDate), 0, Rows.seq(List.of()),
          Rows.seq(List.of()), null, 0, 0, 0, 0, 0, Rows.seq(List.of()));
    }
  }

  private record Accepted(int position, int attempt, long seed, List<String> order) {}

  /** One model call: what it suggested, its {@code llm_calls} struct, and whether the model answered. */
  private record Generation(List<RecommendPrompt.Suggestion> suggestions, Row call, boolean answered) {}

  Row recommend(RetryingCaller caller, CatalogIndex idx, Phrasings phrasings, Row w, CallBudget budget) {
    String user = w.getString(0);
    List<Integer> history = positions(idx, w.getList(1));
    List<Integer> recent = positions(idx, w.isNullAt(2) ? List.of() : w.getList(2));
    boolean probe = !w.isNullAt(3) && w.getBoolean(3);
    int phrasing = phrasings.index(user, runDate);
    Set<Integer> historySet = new HashSet<>(history);

    float[] profile = profile(idx, history);
    Set<Integer> excluded = new HashSet<>(historySet);
    if (rec.avoidRecent()) {
      // Items the model must avoid are not offered: the candidate slots go to fresh items instead.
      excluded.addAll(recent);
    }
    List<Integer> shown = history.subList(0, Math.min(rec.historyMax(), history.size()));
    List<RecommendPrompt.Item> avoid = rec.avoidRecent() ? items(idx, recent) : List.of();

    Map<Integer, Accepted> accepted = new LinkedHashMap<>();
    List<Row> calls = new ArrayList<>();
    List<String> firstMatched = null;
    int suggestions = 0;
    int hallucinations = 0;
    int rejHistory = 0;
    int rejDup = 0;
    int rejRecent = 0;
    int attempts = 0;
    boolean answered = false;
    boolean skipped = false;
    // Resample while the category cap leaves fewer than k usable items: a new shuffle reaches other categories.
    for (int a = 0; a < rec.maxAttempts() && usable(idx, accepted) < rec.k(); a++) {
      long seed = HistoryShuffle.seed(user, runDate, a);
      List<Integer> order = rec.shuffle() ? HistoryShuffle.shuffled(shown, user, runDate, a) : shown;
      List<RecommendPrompt.Item> candidateItems = items(idx, candidates(idx, profile, order, excluded));
      Generation g = generate(caller, idx, new Ask(user, phrasing, a, order, candidateItems, avoid), budget);
      if (g == null) {
        skipped = true;
        break;
      }
      attempts++;
      answered |= g.answered();
      calls.add(g.call());
      List<String> matched = new ArrayList<>();
      for (RecommendPrompt.Suggestion s : g.suggestions()) {
        suggestions++;
        CatalogMatcher.Match m = idx.matcher().match(blankToNull(s.id()), blankToNull(s.title()));
        if (m.isHallucination()) {
          hallucinations++;
          continue;
        }
        matched.add(m.itemId());
        int p = idx.position(m.itemId());
        if (historySet.contains(p)) {
          rejHistory++;
        } else if (accepted.containsKey(p)) {
          rejDup++;
        } else if (rec.avoidRecent() && tooSimilar(idx, p, recent)) {
          rejRecent++;
        } else {
          accepted.put(p, new Accepted(p, a, seed, ids(idx, order)));
        }
      }
      if (firstMatched == null) {
        firstMatched = matched;
      }
    }
    List<String> probeMatched = null;
    Generation g = null;
    if (probe && answered) {
      List<Integer> order = rec.shuffle() ? HistoryShuffle.shuffled(shown, user, runDate, PROBE_ATTEMPT) : shown;
      List<RecommendPrompt.Item> candidateItems = items(idx, candidates(idx, profile, order, excluded));
      g = generate(caller, idx, new Ask(user, phrasing, PROBE_ATTEMPT, order, candidateItems, avoid), budget);
    }
    if (g != null) {
      calls.add(g.call());
      probeMatched = new ArrayList<>();
      for (RecommendPrompt.Suggestion s : g.suggestions()) {
        CatalogMatcher.Match m = idx.matcher().match(blankToNull(s.id()), blankToNull(s.title()));
        if (!m.isHallucination()) {
          probeMatched.add(m.itemId());
        }
      }
    }
    List<Row> finalList = rank(idx, profile, accepted, recent);
    // A user the model never answered is retried by the next run of the same date; a user whose
    // first call did not fit the budget likewise. Everyone else is done for the date.
    String status = answered ? "ok" : skipped && attempts == 0 ? "budget_skipped" : "failed";
    return RowFactory.create(user, status, phrasing, attempts, Rows.seq(finalList),
        Rows.seq(firstMatched == null ? List.of() : firstMatched), probeMatched == null ? null : Rows.seq(probeMatched),
        suggestions, hallucinations, rejHistory, rejDup, rejRecent, Rows.seq(calls));
  }

  /** Accepted items left after {@code recommend.max_per_category}. */
  private int usable(CatalogIndex idx, Map<Integer, Accepted> accepted) {
    return Mmr.limitPerCategory(new ArrayList<>(accepted.keySet()), idx::category, rec.maxPerCategory()).size();
  }

  private List<Row> rank(CatalogIndex idx, float[] profile, Map<Integer, Accepted> accepted, List<Integer> recent) {
    List<Mmr.Candidate> cands = new ArrayList<>();
    // The category cap comes first, in the model's order (best first), so MMR picks k among what it leaves.
    for (int p : Mmr.limitPerCategory(new ArrayList<>(accepted.keySet()), idx::category, rec.maxPerCategory())) {
      cands.add(new Mmr.Candidate(idx.id(p), Vectors.dot(profile, idx.vector(p)), idx.vector(p)));
    }
    List<Mmr.Candidate> ranked;
    if (rec.mmr()) {
      List<float[]> pre = new ArrayList<>();
      for (int r : recent) {
        pre.add(idx.vector(r));
      }
      ranked = Mmr.rerank(cands, pre, rec.mmrLambda(), rec.k());
    } else {
      // Without MMR the model's own order stands.
      ranked = cands.subList(0, Math.min(rec.k(), cands.size()));
    }
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < ranked.size(); i++) {
      Mmr.Candidate c = ranked.get(i);
      Accepted a = accepted.get(idx.position(c.itemId()));
      out.add(RowFactory.create(i + 1, c.itemId(), idx.title(a.position()), c.relevance(), a.attempt(), a.seed(),
          Rows.seq(a.order())));
    }
    return out;
  }

  /**
   * The catalog items offered in the prompt of one attempt (docs/recommend.md#candidate-retrieval):
   * with {@code retrieval: profile}, the nearest to the history's mean; with {@code history}, the
   * nearest to each of the first {@code retrieval_seeds} history items in the order the prompt shows
   * them (so a new shuffle reaches other corners of the user's interests) and to the mean, taken in
   * turn until {@code candidates} distinct items are found.
   */
  List<Integer> candidates(CatalogIndex idx, float[] profile, List<Integer> order, Set<Integer> excluded) {
    int n = rec.candidates();
    if (rec.retrieval().equals("profile") || order.isEmpty()) {
      return idx.nearest(profile, n, excluded);
    }
    List<List<Integer>> lists = new ArrayList<>();
    lists.add(idx.nearest(profile, n, excluded));
    for (int s = 0; s < Math.min(rec.retrievalSeeds(), order.size()); s++) {
      lists.add(idx.nearest(idx.vector(order.get(s)), n, excluded));
    }
    return roundRobin(lists, n);
  }

  /** The lists' items taken in turn (first of each, then second of each, ...), distinct, at most {@code n}. */
  static List<Integer> roundRobin(List<List<Integer>> lists, int n) {
    Set<Integer> seen = new LinkedHashSet<>();
    for (int r = 0; seen.size() < n; r++) {
      boolean any = false;
      for (List<Integer> l : lists) {
        if (r < l.size()) {
          any = true;
          seen.add(l.get(r));
          if (seen.size() == n) {
            break;
          }
        }
      }
      if (!any) {
        break;
      }
    }
    return new ArrayList<>(seen);
  }

  /** What one generation asks of the model: for whom, in which phrasing, which attempt, with what in the prompt. */
  private record Ask(String user, int phrasing, int attempt, List<Integer> order, List<RecommendPrompt.Item> candidates,
      List<RecommendPrompt.Item> avoid) {}

  private Generation generate(RetryingCaller caller, CatalogIndex idx, Ask a, CallBudget budget) {
    String user = a.user();
    int attempt = a.attempt();
    int ask = ask();
    LlmRequest request = new LlmRequest(llm.model(),
        RecommendPrompt.render(rec.phrasings().get(a.phrasing()), ask, items(idx, a.order()), a.candidates(), a.avoid()),
        RecommendPrompt.SCHEMA, new DecodingParams(0.0, 1.0, 40 * ask, 0));
    double estimate = Costs.worstCaseUsd(llm, request);
    if (!budget.tryReserve(estimate)) {
      return null;
    }
    CallOutcome o = caller.call(request);
    CallLogText text = CallLogText.of(llm);
    String requestJson = text.request(caller, request);
    LlmResponse r = o.response();
    budget.settle(estimate, r == null ? 0 : Costs.usd(llm, r.usage().inputTokens(), r.usage().outputTokens()));
    String status = o.ok() ? "ok" : o.errorStatus();
    String errorClass = o.ok() ? null : o.error().errorClass();
    String errorMessage = o.ok() ? null : o.error().getMessage();
    List<RecommendPrompt.Suggestion> suggestions = List.of();
    if (o.ok()) {
      try {
        suggestions = RecommendPrompt.parse(r.content());
      } catch (IllegalArgumentException e) {
        status = "guardrail_rejected";
        errorClass = "guardrail:schema";
        errorMessage = e.getMessage();
      }
    }
    Row call = RowFactory.create(runId + "/" + user + "/" + attempt, attempt, requestJson,
        r == null ? null : text.response(r.content()), status, errorClass, text.error(errorMessage),
        r == null || r.finishReason() == null ? null : r.finishReason().name().toLowerCase(Locale.ROOT),
        o.attempts(), r == null ? 0 : r.usage().inputTokens(), r == null ? 0 : r.usage().outputTokens(),
        o.latencyMillis(), r == null ? null : r.reportedModel(), new Timestamp(System.currentTimeMillis()));
    return new Generation(suggestions, call, o.ok());
  }

  private boolean tooSimilar(CatalogIndex idx, int p, List<Integer> recent) {
    for (int r : recent) {
      if (Vectors.dot(idx.vector(p), idx.vector(r)) > rec.recentSimilarityThreshold()) {
        return true;
      }
    }
    return false;
  }

  private static float[] profile(CatalogIndex idx, List<Integer> history) {
    float[] sum = new float[idx.size() == 0 ? 0 : idx.vector(0).length];
    for (int p : history) {
      float[] v = idx.vector(p);
      for (int d = 0; d < sum.length; d++) {
        sum[d] += v[d];
      }
    }
    return Vectors.norm(sum) == 0 ? sum : Vectors.normalize(sum);
  }

  private static List<Integer> positions(CatalogIndex idx, List<String> ids) {
    List<Integer> out = new ArrayList<>();
    for (String id : ids) {
      int p = idx.position(id);
      if (p >= 0 && !out.contains(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private static List<RecommendPrompt.Item> items(CatalogIndex idx, List<Integer> positions) {
    List<RecommendPrompt.Item> out = new ArrayList<>();
    for (int p : positions) {
      out.add(idx.item(p));
    }
    return out;
  }

  private static List<String> ids(CatalogIndex idx, List<Integer> positions) {
    List<String> out = new ArrayList<>();
    for (int p : positions) {
      out.add(idx.id(p));
    }
    return out;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
