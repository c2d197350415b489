package io.flywheel.config;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Typed view of a Flywheel YAML config. Every key is documented in docs/config.md; built-in
 * defaults live in {@code flywheel-defaults.yaml} on the classpath.
 */
public record FlywheelConfig(
    Warehouse warehouse, Run run, Catalog catalog, Llm llm, Summarize summarize, Recommend recommend, Skew skew,
    Feedback feedback, Eval eval)
    implements Serializable {

  /** Where the Delta tables live. */
  public record Warehouse(String root, String database) implements Serializable {}

  /**
   * How every job run reports that it is alive: the {@code runs} row's heartbeat is refreshed every
   * {@code heartbeatSeconds}; a {@code running} row whose heartbeat is older than
   * {@code staleAfterSeconds} is marked {@code abandoned} by the next run of the same job.
   */
  public record Run(int heartbeatSeconds, int staleAfterSeconds) implements Serializable {}

  /**
   * The catalog the user brings (docs/config.md#catalog), read the same way by generate, summarize
   * and recommend.
   */
  public record Catalog(String format, String path, CatalogColumns columns, Map<String, String> options)
      implements Serializable {}

  /**
   * Mapping from the catalog's logical columns to the user's column names. {@code text} are the
   * fields the summary prompt uses, in order; {@code category} also routes items to prompts.
   */
  public record CatalogColumns(
      String id, String updatedAt, List<String> text, String title, String category, String brand)
      implements Serializable {}

  /** What every job's config section holds for the runner (docs/jobs.md#failure-policy). */
  public interface JobSettings {
    /** The run fails (after committing) when failed + retryable calls exceed this share of calls. */
    double maxFailureRatio();
  }

  /**
   * Which model provider to call and how. Holds the NAME of the key's environment variable or the
   * path of the key file, never the key itself (the client reads it on the executor).
   */
  public record Llm(
      String provider,
      String model,
      String baseUrl,
      String apiKeyEnv,
      String apiKeyFile,
      int maxConcurrency,
      int maxAttempts,
      long initialBackoffMs,
      long maxBackoffMs,
      long connectTimeoutMs,
      long readTimeoutMs,
      long totalTimeoutMs,
      String structuredOutput,
      boolean failOnModelMismatch,
      RateLimit rateLimit,
      CircuitBreaker circuitBreaker,
      Budget budget,
      Map<String, Price> pricing,
      Local local,
      boolean logRawText,
      String tokenLimitParam,
      String samplingParams)
      implements Serializable {}

  /**
   * Job-wide limits (0: none). Each executor JVM gets {@code 1/executors} of them; {@code executors}
   * 0 means: counted when the calls start (see docs/providers.md#rate-limits).
   */
  public record RateLimit(int requestsPerMinute, long tokensPerMinute, int executors) implements Serializable {}

  /** Stops calling after {@code failureThreshold} consecutive failed attempts, for {@code cooldownMs}. */
  public record CircuitBreaker(int failureThreshold, long cooldownMs) implements Serializable {}

  /** Per-run spending limits (0: none); requests past them are recorded as {@code budget_skipped}. */
  public record Budget(long maxCalls, double maxCostUsd) implements Serializable {}

  /** USD per million tokens for one model. */
  public record Price(double inputPerMtok, double outputPerMtok) implements Serializable {
    public double costUsd(double inputTokens, double outputTokens) {
      return (inputTokens * inputPerMtok + outputTokens * outputPerMtok) / 1e6;
    }
  }

  /** Settings of the offline {@code local} provider. */
  public record Local(long latencyMs, double hallucinationRate) implements Serializable {}

  /** The catalog summarization job. */
  public record Summarize(
      String promptsDir,
      Prompts prompts,
      Decoding decoding,
      Guardrails guardrails,
      int batchSize,
      int maxItemChars,
      double maxFailureRatio,
      boolean retryRejected,
      int callPartitions,
      String shadow,
      Map<String, Shadow> shadows)
      implements Serializable, JobSettings {}

  /**
   * A shadow run of summarize ({@code summarize --shadow NAME}, docs/eval.md#shadow-runs): the
   * candidate's config changes ({@code set}: config key to value, prompts, model and decoding only),
   * and the stable sample of the catalog it runs on ({@code sampleFraction} of the item ids by a hash
   * seeded with {@code seed}, at most {@code maxItems} rows; 0: no cap).
   */
  public record Shadow(Double sampleFraction, Integer maxItems, Long seed, Map<String, Object> set) implements Serializable {
    /** Only {@code sample_fraction} is required; the rest default to no cap, seed 0, no change. */
    public Shadow {
      maxItems = maxItems == null ? 0 : maxItems;
      seed = seed == null ? 0L : seed;
      set = set == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(set));
    }

    /**
     * The candidate's changes as config key to value: {@code set} may hold dotted keys
     * ({@code llm.model: x}), nested maps ({@code llm: {model: x}}, which is also what
     * {@code --set summarize.shadows.N.set.llm.model=x} makes), or both.
     */
    public Map<String, String> sets() {
      Map<String, String> out = new java.util.TreeMap<>();
      flatten("", set, out);
      return out;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, String> out) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String key = prefix + e.getKey();
        if (e.getValue() instanceof Map<?, ?> inner) {
          flatten(key + ".", inner, out);
        } else {
          out.put(key, e.getValue() == null ? "" : String.valueOf(e.getValue()));
        }
      }
    }
  }

  /** Which prompt serves an item: {@code routes} maps a value of the route column to a prompt id. */
  public record Prompts(String defaultPrompt, Map<String, String> routes) implements Serializable {}

  /** Decoding parameters, each explicit, because each is part of the cache key. */
  public record Decoding(double temperature, double topP, int maxOutputTokens, long seed)
      implements Serializable {}

  /** Bounds and settings of the summary guardrails. */
  public record Guardrails(
      String language, int minSummaryChars, int maxSummaryChars, int maxKeyFeatures)
      implements Serializable {}

  /** The recommendations job (docs/recommend.md#configuration). */
  public record Recommend(
      String purchasesPath,
      String purchasesFormat,
      int k,
      int candidates,
      int historyMax,
      int maxAttempts,
      int recentWindowDays,
      int maxRecent,
      boolean shuffle,
      boolean avoidRecent,
      boolean mmr,
      double mmrLambda,
      double titleMatchThreshold,
      double recentSimilarityThreshold,
      List<String> phrasings,
      double orderSensitivitySample,
      boolean cacheEmbeddings,
      int callPartitions,
      String retrieval,
      int retrievalSeeds,
      double overgenerate,
      int indexCells,
      int probeCells,
      int batchSize,
      int maxPerCategory,
      double maxFailureRatio)
      implements Serializable, JobSettings {}

  /**
   * The dev–prod skew job (docs/skew.md#configuration): where each side's texts come from, the
   * distance thresholds and alert rule, and the keys of its embedding, nondeterminism and report steps.
   */
  public record Skew(
      SkewDev dev,
      SkewProd prod,
      Map<String, Double> thresholds,
      double minDevStd,
      SkewAlert alert,
      double maxFailureRatio,
      SkewEmbed embed,
      SkewClusters clusters,
      double aucThreshold,
      SkewNondeterminism nondeterminism,
      SkewReportSettings report)
      implements Serializable, JobSettings {
    /** The threshold of {@code feature}: its own entry in {@code skew.thresholds}, else {@code default}. */
    public double threshold(String feature) {
      Double own = thresholds.get(feature);
      return own != null ? own : thresholds.get("default");
    }
  }

  /** The dev/eval set: a table or files with one text column per field. */
  public record SkewDev(String format, String path, Map<String, String> options, SkewColumns columns)
      implements Serializable {}

  /** Which columns hold the input text and the output text; a blank {@code output}: inputs only. */
  public record SkewColumns(String input, String output) implements Serializable {}

  /**
   * The production side: {@code llm_calls} of the window ending at the run date (the warehouse's
   * table, or an {@code llm_calls}-shaped Delta table at {@code path}), or a table of texts.
   */
  public record SkewProd(
      String source,
      int windowDays,
      List<String> jobs,
      List<String> promptIds,
      String inputField,
      String format,
      String path,
      Map<String, String> options,
      SkewColumns columns)
      implements Serializable {}

  /** A distance also alerts when it is more than {@code sigmas} standard deviations from its last runs. */
  public record SkewAlert(int historyRuns, double sigmas) implements Serializable {}

  /** How many texts per side are embedded for the clusters and the classifier. */
  public record SkewEmbed(int samplePerSide) implements Serializable {}

  /** MLlib clustering of the embedded texts and the coverage-gap rule. */
  public record SkewClusters(
      String algorithm, int k, int kMin, int kMax, long seed, double gapMinProdShare, double gapMinDriftRatio)
      implements Serializable {}

  /** How many production inputs are sent again, and how many times each. */
  public record SkewNondeterminism(int sample, int repeats, long seed, int batchSize) implements Serializable {}

  /** Where the HTML report of each run goes (blank: {@code <warehouse.root>/reports/skew}). */
  public record SkewReportSettings(String dir) implements Serializable {}

  /**
   * The fine-tune dataset job from human feedback and its export (docs/feedback.md#configuration).
   * {@code maxFailureRatio}: the run fails (after committing) when more than this share of the
   * events it read were rejected.
   */
  public record Feedback(
      String eventsPath,
      String eventsFormat,
      int maxTokens,
      double nearDuplicateThreshold,
      int shingleWords,
      int lshBands,
      int lshBandRows,
      long minhashSeed,
      double validationFraction,
      String splitSalt,
      double maxFailureRatio,
      FeedbackExport export)
      implements Serializable, JobSettings {}

  /**
   * {@code flywheel export-dataset}: where the files go ({@code dir}, blank: {@code <warehouse.root>/exports}),
   * the export's name ({@code --name}), the manifest whose Delta versions to read again
   * ({@code --from-manifest}, blank: the latest), and the share of refused examples that fails the run.
   */
  public record FeedbackExport(String dir, String name, String fromManifest, double maxFailureRatio)
      implements Serializable, JobSettings {}

  /**
   * The evaluation jobs (docs/eval.md): the assertion suites by name (each a map with a
   * {@code criteria} list, parsed by {@code AssertionSuite.parse}) and {@code eval-assert}'s settings
   * (the YAML key {@code assert}).
   */
  public record Eval(Map<String, Object> suites, @com.fasterxml.jackson.annotation.JsonProperty("assert") EvalAssert assertion,
      EvalReview review, EvalJudge judge, EvalCalibration calibration, EvalShadowReport shadowReport) implements Serializable {}

  /**
   * {@code flywheel shadow-report NAME} (docs/eval.md#shadow-runs): which shadow run to compare with
   * production ({@code shadow}), the assertion {@code suite} run on both sides' outputs, and whether
   * the pairwise {@code judge} compares them too.
   */
  public record EvalShadowReport(String shadow, String suite, boolean judge, double maxFailureRatio)
      implements Serializable, JobSettings {}

  /**
   * {@code flywheel eval-judge} (docs/eval.md#eval-judge): the two sides whose outputs are compared
   * ({@code --a}/{@code --b}, each read like an eval-assert target), the judge's pairwise
   * {@code prompt} and yes/no {@code labelPrompt} (ids in the prompt catalog), the length ratio above
   * which a pair is flagged, the judge's decoding settings, and its call batches.
   */
  public record EvalJudge(EvalSource a, EvalSource b, String prompt, String labelPrompt, double maxLengthRatio,
      Decoding decoding, int batchSize, int callPartitions, double maxFailureRatio) implements Serializable, JobSettings {}

  /**
   * One side of a comparison: {@code llm_calls} (the run date's calls, or run {@code runId}'s, of
   * {@code job}), a warehouse table or a path, with a table's format, options and columns.
   */
  public record EvalSource(String target, String runId, String job, String format, Map<String, String> options,
      EvalColumns columns) implements Serializable {}

  /**
   * {@code flywheel judge-calibration} (docs/eval.md#judge-calibration): the reviewers' answers of
   * {@code review_queue} from the last {@code windowDays} review dates up to the run date (0: all),
   * asked again of the judge ({@code eval.judge.*}), in batches of {@code batchSize} calls.
   */
  public record EvalCalibration(int windowDays, int batchSize, double maxFailureRatio) implements Serializable, JobSettings {}

  /**
   * {@code flywheel review-sample}: the day's sample ({@code sampleSize} calls stratified by job and
   * status, each stratum at least {@code minPerStratum}, plus every guardrail rejection up to
   * {@code rejectionsCap}, drawn by {@code seed}), the yes/no {@code questions} asked of each (name to
   * text), where the page goes ({@code pageDir}, blank: {@code <warehouse.root>/reports/review}), and a
   * file of {@code answers} to record with the {@code reviewer}'s name. {@code maxFailureRatio}: the run
   * fails when more than this share of the answers in the file could not be recorded.
   */
  public record EvalReview(int sampleSize, int minPerStratum, int rejectionsCap, long seed, Map<String, String> questions,
      String pageDir, String answers, String reviewer, double maxFailureRatio) implements Serializable, JobSettings {}

  /**
   * {@code flywheel eval-assert}: the suite ({@code --suite}), the target ({@code --target}:
   * {@code llm_calls}, a warehouse table or a path) and, for {@code llm_calls}, the run and job whose
   * calls are checked; a table's format, options and columns; {@code minPassRate}: the run fails when a
   * criterion passes on a smaller share of rows (0: never); {@code maxFailureRatio}: the run fails when
   * more than this share of the target's rows has no output.
   */
  public record EvalAssert(String suite, String target, String runId, String job, String format, Map<String, String> options,
      EvalColumns columns, double minPassRate, double maxFailureRatio) implements Serializable, JobSettings {}

  /** The columns of a table target: a row key, the input (blank: none) and the output to check. */
  public record EvalColumns(String key, String input, String output) implements Serializable {}
}
