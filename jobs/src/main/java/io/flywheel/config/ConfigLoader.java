package io.flywheel.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flywheel.udfs.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link FlywheelConfig} from, in rising precedence: built-in defaults, a YAML file,
 * {@code FLYWHEEL_A__B=v} environment variables (for key {@code a.b}) and {@code --set a.b=v}.
 * Every error names the key and the source (file, variable or flag) that set it.
 */
public final class ConfigLoader {
  /** What a shadow run may change (docs/eval.md#shadow-runs): the candidate, never where it reads or writes. */
  public static final List<String> SHADOW_SETTABLE = List.of("llm.", "summarize.prompts.", "summarize.prompts_dir",
      "summarize.decoding.", "summarize.guardrails.", "summarize.batch_size", "summarize.call_partitions",
      "summarize.max_failure_ratio");

  /** A shadow's name, which is also its folder under {@code <warehouse.root>/shadow/}. */
  static final String SHADOW_NAME = "[a-z0-9_]{1,64}";

  static final String DEFAULTS_RESOURCE = "/flywheel-defaults.yaml";
  private static final String ENV_PREFIX = "FLYWHEEL_";
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Set<String> PROVIDERS = Set.of("local", "openai", "anthropic");
  private static final Set<String> FORMATS = Set.of("delta", "parquet", "json", "csv");
  private static final Set<String> STRUCTURED_OUTPUT = Set.of("auto", "native", "prompt");
  private static final Set<String> TOKEN_LIMIT_PARAMS = Set.of("auto", "max_tokens", "max_completion_tokens");
  private static final Set<String> SAMPLING_PARAMS = Set.of("auto", "send", "omit");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final ObjectMapper yaml;
  private final Map<String, String> sources = new HashMap<>();

  private ConfigLoader() {
    yaml =
        YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
  }

  /** A bound config with the hash of its canonical form (recorded in the {@code runs} table). */
  public record Loaded(FlywheelConfig config, String hash, String file) {}

  /** Loads {@code file} (null: defaults only) with the given environment and overrides. */
  public static Loaded load(Path file, Map<String, String> env, List<String> sets) {
    return new ConfigLoader().doLoad(file, env, sets);
  }

  private Loaded doLoad(Path file, Map<String, String> env, List<String> sets) {
    ObjectNode tree = readDefaults();
    markSources(tree, "", "built-in defaults");
    String fileName = file == null ? "built-in defaults" : file.toString();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("config file " + file + " does not exist");
      }
      JsonNode fromFile;
      try {
        fromFile = yaml.readTree(file.toFile());
      } catch (JsonProcessingException e) {
        throw new ConfigException(YamlSyntax.describe(file, "not valid YAML", e), e);
      } catch (IOException e) {
        throw new ConfigException(file + ": cannot be read: " + firstLine(e.getMessage()), e);
      }
      if (fromFile != null && !fromFile.isMissingNode() && !fromFile.isNull()) {
        if (!fromFile.isObject()) {
          throw new ConfigException(file + ": top level must be a mapping of keys");
        }
        merge(tree, (ObjectNode) fromFile, "", file.toString());
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (name.startsWith(ENV_PREFIX) && name.contains("__")) {
        String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace("__", ".");
        put(tree, key, scalar(e.getValue()), "environment variable " + name);
      }
    }
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("--set " + set + ": expected key=value");
      }
      String key = set.substring(0, eq).strip();
      put(tree, key, scalar(set.substring(eq + 1)), "--set " + key);
    }
    substituteEnv(tree, "", env);
    FlywheelConfig config;
    try {
      config = yaml.treeToValue(tree, FlywheelConfig.class);
    } catch (JsonMappingException e) {
      String key = keyOf(e);
      throw new ConfigException(describe(e, key) + " (key '" + key + "' from " + sourceOf(key) + ")", e);
    } catch (JsonProcessingException e) {
      throw new ConfigException(fileName + ": " + firstLine(e.getOriginalMessage()), e);
    }
    validate(config);
    String hash;
    try {
      hash = Hashing.sha256(yaml.writeValueAsString(config)).substring(0, 16);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new Loaded(config, hash, fileName);
  }

  private ObjectNode readDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      return (ObjectNode) yaml.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
    }
  }

  private void validate(FlywheelConfig c) {
    require("warehouse.root", c.warehouse().root());
    require("llm.provider", c.llm().provider());
    require("llm.model", c.llm().model());
    if (!PROVIDERS.contains(c.llm().provider())) {
      fail("llm.provider", "must be one of " + PROVIDERS + ", was '" + c.llm().provider() + "'");
    }
    validateLlm(c.llm());
    validateCatalog(c.catalog());
    validateRecommend(c);
    validateSkew(c.skew());
    validateFeedback(c.feedback());
    validateEval(c.eval());
    positive("run.heartbeat_seconds", c.run().heartbeatSeconds());
    if (c.run().staleAfterSeconds() < 2 * c.run().heartbeatSeconds()) {
      fail("run.stale_after_seconds", "must be at least twice run.heartbeat_seconds, was " + c.run().staleAfterSeconds());
    }
    FlywheelConfig.Summarize s = c.summarize();
    require("summarize.prompts.default_prompt", s.prompts().defaultPrompt());
    positive("summarize.batch_size", s.batchSize());
    positive("summarize.max_item_chars", s.maxItemChars());
    if (s.callPartitions() < 0) {
      fail("summarize.call_partitions", "must be 0 (one per core) or positive, was " + s.callPartitions());
    }
    positive("summarize.guardrails.max_summary_chars", s.guardrails().maxSummaryChars());
    if (s.maxFailureRatio() < 0 || s.maxFailureRatio() > 1) {
      fail("summarize.max_failure_ratio", "must be between 0 and 1, was " + s.maxFailureRatio());
    }
    validateShadows(s);
  }

  private void validateShadows(FlywheelConfig.Summarize s) {
    Map<String, FlywheelConfig.Shadow> shadows = s.shadows() == null ? Map.of() : s.shadows();
    for (Map.Entry<String, FlywheelConfig.Shadow> e : new TreeMap<>(shadows).entrySet()) {
      String at = "summarize.shadows." + e.getKey();
      FlywheelConfig.Shadow sh = e.getValue();
      if (!e.getKey().matches(SHADOW_NAME)) {
        fail(at, "names a folder: at most 64 of a-z 0-9 _");
      }
      if (sh == null || sh.sampleFraction() == null || !(sh.sampleFraction() > 0 && sh.sampleFraction() <= 1)) {
        fail(at + ".sample_fraction", "must be in (0, 1], was " + (sh == null || sh.sampleFraction() == null ? "missing" : sh.sampleFraction()));
      }
      notNegative(at + ".max_items", sh.maxItems());
      for (String key : sh.sets().keySet()) {
        if (SHADOW_SETTABLE.stream().noneMatch(key::startsWith)) {
          fail(at + ".set." + key, "is not something a shadow may change: only keys under " + SHADOW_SETTABLE);
        }
      }
    }
    if (s.shadow() != null && !s.shadow().isBlank() && !shadows.containsKey(s.shadow())) {
      fail("summarize.shadow", "'" + s.shadow() + "' is not a shadow of summarize.shadows (defined: "
          + (shadows.isEmpty() ? "none" : String.join(", ", new TreeMap<>(shadows).keySet())) + ")");
    }
  }

  private void validateCatalog(FlywheelConfig.Catalog cat) {
    require("catalog.path", cat.path());
    if (!FORMATS.contains(cat.format())) {
      fail("catalog.format", "must be one of " + FORMATS + ", was '" + cat.format() + "'");
    }
    require("catalog.columns.id", cat.columns().id());
    require("catalog.columns.updated_at", cat.columns().updatedAt());
    require("catalog.columns.title", cat.columns().title());
    if (cat.columns().text() == null || cat.columns().text().isEmpty()) {
      fail("catalog.columns.text", "must list at least one text column");
    }
  }

  private void validateRecommend(FlywheelConfig c) {
    FlywheelConfig.Recommend r = c.recommend();
    if (r.maxFailureRatio() < 0 || r.maxFailureRatio() > 1) {
      fail("recommend.max_failure_ratio", "must be between 0 and 1, was " + r.maxFailureRatio());
    }
    require("recommend.purchases_path", r.purchasesPath());
    if (!FORMATS.contains(r.purchasesFormat())) {
      fail("recommend.purchases_format", "must be one of " + FORMATS + ", was '" + r.purchasesFormat() + "'");
    }
    positive("recommend.k", r.k());
    positive("recommend.candidates", r.candidates());
    positive("recommend.history_max", r.historyMax());
    positive("recommend.max_attempts", r.maxAttempts());
    positive("recommend.retrieval_seeds", r.retrievalSeeds());
    positive("recommend.probe_cells", r.probeCells());
    positive("recommend.batch_size", r.batchSize());
    notNegative("recommend.max_per_category", r.maxPerCategory());
    if (!List.of("history", "profile").contains(r.retrieval())) {
      fail("recommend.retrieval", "must be 'history' or 'profile', was '" + r.retrieval() + "'");
    }
    if (!(r.overgenerate() >= 1 && r.overgenerate() <= 5)) {
      fail("recommend.overgenerate", "must be between 1 and 5, was " + r.overgenerate());
    }
    if (r.indexCells() < 0) {
      fail("recommend.index_cells", "must be 0 (automatic) or positive, was " + r.indexCells());
    }
    if (!(c.llm().local().hallucinationRate() >= 0 && c.llm().local().hallucinationRate() <= 1)) {
      fail("llm.local.hallucination_rate", "must be between 0 and 1, was " + c.llm().local().hallucinationRate());
    }
    if (r.phrasings() == null || r.phrasings().isEmpty()) {
      fail("recommend.phrasings", "must list at least one phrasing");
    }
    for (String key : List.of("mmr_lambda", "title_match_threshold", "recent_similarity_threshold",
        "order_sensitivity_sample")) {
      double v = switch (key) {
        case "mmr_lambda" -> r.mmrLambda();
        case "title_match_threshold" -> r.titleMatchThreshold();
        case "recent_similarity_threshold" -> r.recentSimilarityThreshold();
        default -> r.orderSensitivitySample();
      };
      if (!(v >= 0 && v <= 1)) {
        fail("recommend." + key, "must be between 0 and 1, was " + v);
      }
    }
  }

  private static final Set<String> SKEW_SOURCES = Set.of("llm_calls", "table");
  private static final Set<String> CLUSTER_ALGORITHMS = Set.of("kmeans", "bisecting_kmeans");

  private void validateSkew(FlywheelConfig.Skew k) {
    FlywheelConfig.SkewDev dev = k.dev();
    if (!FORMATS.contains(dev.format())) {
      fail("skew.dev.format", "must be one of " + FORMATS + ", was '" + dev.format() + "'");
    }
    require("skew.dev.path", dev.path());
    require("skew.dev.columns.input", dev.columns().input());
    FlywheelConfig.SkewProd prod = k.prod();
    if (!SKEW_SOURCES.contains(prod.source())) {
      fail("skew.prod.source", "must be one of " + SKEW_SOURCES + ", was '" + prod.source() + "'");
    }
    positive("skew.prod.window_days", prod.windowDays());
    if (prod.source().equals("llm_calls")) {
      if (prod.jobs() == null || prod.jobs().isEmpty()) {
        fail("skew.prod.jobs", "must list at least one job whose llm_calls are production traffic");
      }
      if (prod.inputField() == null || !prod.inputField().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        fail("skew.prod.input_field", "must be a plain field name of the logged item (letters, digits, _), was '"
            + prod.inputField() + "'");
      }
    } else {
      if (!FORMATS.contains(prod.format())) {
        fail("skew.prod.format", "must be one of " + FORMATS + ", was '" + prod.format() + "'");
      }
      require("skew.prod.path", prod.path());
      require("skew.prod.columns.input", prod.columns().input());
    }
    if (k.thresholds() == null || k.thresholds().get("default") == null) {
      fail("skew.thresholds.default", "is required");
    }
    Set<String> features = new java.util.TreeSet<>(io.flywheel.skew.SkewFeatures.NUMERIC);
    features.addAll(io.flywheel.skew.SkewFeatures.CATEGORICAL);
    for (Map.Entry<String, Double> t : new TreeMap<>(k.thresholds()).entrySet()) {
      String key = "skew.thresholds." + t.getKey();
      if (!t.getKey().equals("default") && !features.contains(t.getKey())) {
        fail(key, "names no feature; features: " + features);
      }
      if (t.getValue() == null || !(t.getValue() > 0)) {
        fail(key, "must be a positive distance, was " + t.getValue());
      }
    }
    if (!(k.minDevStd() >= 0)) {
      fail("skew.min_dev_std", "must be 0 or positive, was " + k.minDevStd());
    }
    positive("skew.alert.history_runs", k.alert().historyRuns());
    if (!(k.alert().sigmas() > 0)) {
      fail("skew.alert.sigmas", "must be positive, was " + k.alert().sigmas());
    }
    if (!(k.maxFailureRatio() >= 0 && k.maxFailureRatio() <= 1)) {
      fail("skew.max_failure_ratio", "must be between 0 and 1, was " + k.maxFailureRatio());
    }
    notNegative("skew.embed.sample_per_side", k.embed().samplePerSide());
    FlywheelConfig.SkewClusters cl = k.clusters();
    if (!CLUSTER_ALGORITHMS.contains(cl.algorithm())) {
      fail("skew.clusters.algorithm", "must be one of " + CLUSTER_ALGORITHMS + ", was '" + cl.algorithm() + "'");
    }
    if (cl.k() == 1 || cl.k() < 0) {
      fail("skew.clusters.k", "must be 0 (chosen by silhouette) or at least 2, was " + cl.k());
    }
    if (cl.kMin() < 2) {
      fail("skew.clusters.k_min", "must be at least 2, was " + cl.kMin());
    }
    if (cl.kMax() < cl.kMin()) {
      fail("skew.clusters.k_max", "must be at least skew.clusters.k_min, was " + cl.kMax());
    }
    if (!(cl.gapMinProdShare() >= 0 && cl.gapMinProdShare() <= 1)) {
      fail("skew.clusters.gap_min_prod_share", "must be between 0 and 1, was " + cl.gapMinProdShare());
    }
    if (!(cl.gapMinDriftRatio() >= -1 && cl.gapMinDriftRatio() <= 1)) {
      fail("skew.clusters.gap_min_drift_ratio", "must be between -1 and 1, was " + cl.gapMinDriftRatio());
    }
    if (!(k.aucThreshold() >= 0.5 && k.aucThreshold() <= 1)) {
      fail("skew.auc_threshold", "must be between 0.5 and 1, was " + k.aucThreshold());
    }
    notNegative("skew.nondeterminism.sample", k.nondeterminism().sample());
    if (k.nondeterminism().batchSize() < 1) {
      fail("skew.nondeterminism.batch_size", "must be at least 1, was " + k.nondeterminism().batchSize());
    }
    if (k.nondeterminism().repeats() < 2) {
      fail("skew.nondeterminism.repeats", "must be at least 2 (one output cannot differ from itself), was "
          + k.nondeterminism().repeats());
    }
  }

  /** {@code key} names a suite of {@code eval.suites}. */
  private void requireSuite(FlywheelConfig.Eval e, String key, String suite) {
    require(key, suite);
    if (e.suites() == null || !e.suites().containsKey(suite)) {
      fail(key, "'" + suite + "' is not a suite of eval.suites (defined: "
          + (e.suites() == null ? "none" : String.join(", ", new java.util.TreeSet<>(e.suites().keySet()))) + ")");
    }
  }

  private void validateEval(FlywheelConfig.Eval e) {
    FlywheelConfig.EvalAssert a = e.assertion();
    requireSuite(e, "eval.assert.suite", a.suite());
    require("eval.assert.target", a.target());
    if (!FORMATS.contains(a.format())) {
      fail("eval.assert.format", "must be one of " + FORMATS + ", was '" + a.format() + "'");
    }
    if (a.minPassRate() < 0 || a.minPassRate() > 1) {
      fail("eval.assert.min_pass_rate", "must be between 0 and 1, was " + a.minPassRate());
    }
    if (a.maxFailureRatio() < 0 || a.maxFailureRatio() > 1) {
      fail("eval.assert.max_failure_ratio", "must be between 0 and 1, was " + a.maxFailureRatio());
    }
    FlywheelConfig.EvalReview r = e.review();
    positive("eval.review.sample_size", r.sampleSize());
    if (r.minPerStratum() < 0) {
      fail("eval.review.min_per_stratum", "must be 0 or more, was " + r.minPerStratum());
    }
    if (r.rejectionsCap() < 0) {
      fail("eval.review.rejections_cap", "must be 0 or more, was " + r.rejectionsCap());
    }
    if (r.questions() == null || r.questions().isEmpty()) {
      fail("eval.review.questions", "must name at least one question");
    }
    for (Map.Entry<String, String> q : r.questions().entrySet()) {
      if (!q.getKey().matches("[a-z0-9_]{1,64}")) {
        fail("eval.review.questions", "'" + q.getKey() + "' is not a question name (1 to 64 of a-z, 0-9, _)");
      }
      require("eval.review.questions." + q.getKey(), q.getValue());
    }
    if (r.maxFailureRatio() < 0 || r.maxFailureRatio() > 1) {
      fail("eval.review.max_failure_ratio", "must be between 0 and 1, was " + r.maxFailureRatio());
    }
    FlywheelConfig.EvalShadowReport sr = e.shadowReport();
    requireSuite(e, "eval.shadow_report.suite", sr.suite());
    if (sr.shadow() != null && !sr.shadow().isBlank() && !sr.shadow().matches(SHADOW_NAME)) {
      fail("eval.shadow_report.shadow", "'" + sr.shadow() + "' is not a shadow's name (at most 64 of a-z 0-9 _)");
    }
    if (sr.maxFailureRatio() < 0 || sr.maxFailureRatio() > 1) {
      fail("eval.shadow_report.max_failure_ratio", "must be between 0 and 1, was " + sr.maxFailureRatio());
    }
    FlywheelConfig.EvalJudge j = e.judge();
    for (String side : List.of("a", "b")) {
      FlywheelConfig.EvalSource s = side.equals("a") ? j.a() : j.b();
      require("eval.judge." + side + ".target", s.target());
      if (!FORMATS.contains(s.format())) {
        fail("eval.judge." + side + ".format", "must be one of " + FORMATS + ", was '" + s.format() + "'");
      }
    }
    require("eval.judge.prompt", j.prompt());
    require("eval.judge.label_prompt", j.labelPrompt());
    if (!(j.maxLengthRatio() >= 1)) {
      fail("eval.judge.max_length_ratio", "must be at least 1, was " + j.maxLengthRatio());
    }
    positive("eval.judge.decoding.max_output_tokens", j.decoding().maxOutputTokens());
    positive("eval.judge.batch_size", j.batchSize());
    if (j.callPartitions() < 0) {
      fail("eval.judge.call_partitions", "must be 0 or more, was " + j.callPartitions());
    }
    if (j.maxFailureRatio() < 0 || j.maxFailureRatio() > 1) {
      fail("eval.judge.max_failure_ratio", "must be between 0 and 1, was " + j.maxFailureRatio());
    }
    FlywheelConfig.EvalCalibration cal = e.calibration();
    if (cal.windowDays() < 0) {
      fail("eval.calibration.window_days", "must be 0 (every answer) or more, was " + cal.windowDays());
    }
    positive("eval.calibration.batch_size", cal.batchSize());
    if (cal.maxFailureRatio() < 0 || cal.maxFailureRatio() > 1) {
      fail("eval.calibration.max_failure_ratio", "must be between 0 and 1, was " + cal.maxFailureRatio());
    }
  }

  private void validateFeedback(FlywheelConfig.Feedback f) {
    require("feedback.events_path", f.eventsPath());
    if (!FORMATS.contains(f.eventsFormat())) {
      fail("feedback.events_format", "must be one of " + FORMATS + ", was '" + f.eventsFormat() + "'");
    }
    positive("feedback.max_tokens", f.maxTokens());
    if (!(f.nearDuplicateThreshold() > 0 && f.nearDuplicateThreshold() <= 1)) {
      fail("feedback.near_duplicate_threshold", "must be above 0 and at most 1, was " + f.nearDuplicateThreshold());
    }
    positive("feedback.shingle_words", f.shingleWords());
    positive("feedback.lsh_bands", f.lshBands());
    positive("feedback.lsh_band_rows", f.lshBandRows());
    if (!(f.validationFraction() >= 0 && f.validationFraction() <= 1)) {
      fail("feedback.validation_fraction", "must be between 0 and 1, was " + f.validationFraction());
    }
    require("feedback.split_salt", f.splitSalt());
    if (!(f.maxFailureRatio() >= 0 && f.maxFailureRatio() <= 1)) {
      fail("feedback.max_failure_ratio", "must be between 0 and 1, was " + f.maxFailureRatio());
    }
    require("feedback.export.name", f.export().name());
    if (!f.export().name().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      fail("feedback.export.name", "must be a folder name (letters, digits, '.', '_', '-'), was '" + f.export().name() + "'");
    }
    if (!(f.export().maxFailureRatio() >= 0 && f.export().maxFailureRatio() <= 1)) {
      fail("feedback.export.max_failure_ratio", "must be between 0 and 1, was " + f.export().maxFailureRatio());
    }
  }

  private void validateLlm(FlywheelConfig.Llm llm) {
    positive("llm.max_concurrency", llm.maxConcurrency());
    positive("llm.max_attempts", llm.maxAttempts());
    if (llm.initialBackoffMs() < 0) {
      fail("llm.initial_backoff_ms", "must be 0 or positive, was " + llm.initialBackoffMs());
    }
    if (llm.maxBackoffMs() < llm.initialBackoffMs()) {
      fail("llm.max_backoff_ms", "must be at least llm.initial_backoff_ms, was " + llm.maxBackoffMs());
    }
    positive("llm.connect_timeout_ms", llm.connectTimeoutMs());
    positive("llm.read_timeout_ms", llm.readTimeoutMs());
    positive("llm.total_timeout_ms", llm.totalTimeoutMs());
    if (!STRUCTURED_OUTPUT.contains(llm.structuredOutput())) {
      fail("llm.structured_output", "must be one of " + STRUCTURED_OUTPUT + ", was '" + llm.structuredOutput() + "'");
    }
    if (!TOKEN_LIMIT_PARAMS.contains(llm.tokenLimitParam())) {
      fail("llm.token_limit_param", "must be one of " + TOKEN_LIMIT_PARAMS + ", was '" + llm.tokenLimitParam() + "'");
    }
    if (!SAMPLING_PARAMS.contains(llm.samplingParams())) {
      fail("llm.sampling_params", "must be one of " + SAMPLING_PARAMS + ", was '" + llm.samplingParams() + "'");
    }
    String base = llm.baseUrl();
    if (base != null && !base.isEmpty() && !base.startsWith("http://") && !base.startsWith("https://")) {
      fail("llm.base_url", "must start with http:// or https://, was '" + base + "'");
    }
    String env = llm.apiKeyEnv();
    // Never echo the value: a key pasted here by mistake must not reach a log.
    if (env != null && !env.isEmpty() && !ENV_NAME.matcher(env).matches()) {
      fail("llm.api_key_env", "must be the NAME of an environment variable (letters, digits, _), not a key");
    }
    if (env != null && !env.isEmpty() && llm.apiKeyFile() != null && !llm.apiKeyFile().isEmpty()) {
      fail("llm.api_key_file", "and llm.api_key_env are both set; set one of them");
    }
    FlywheelConfig.RateLimit rl = llm.rateLimit();
    notNegative("llm.rate_limit.requests_per_minute", rl.requestsPerMinute());
    notNegative("llm.rate_limit.tokens_per_minute", rl.tokensPerMinute());
    notNegative("llm.rate_limit.executors", rl.executors());
    positive("llm.circuit_breaker.failure_threshold", llm.circuitBreaker().failureThreshold());
    notNegative("llm.circuit_breaker.cooldown_ms", llm.circuitBreaker().cooldownMs());
    notNegative("llm.budget.max_calls", llm.budget().maxCalls());
    if (llm.budget().maxCostUsd() < 0) {
      fail("llm.budget.max_cost_usd", "must be 0 (no limit) or positive, was " + llm.budget().maxCostUsd());
    }
    if (llm.budget().maxCostUsd() > 0 && !llm.pricing().containsKey(llm.model())) {
      fail("llm.budget.max_cost_usd", "needs a price for model '" + llm.model() + "' in llm.pricing");
    }
  }

  private void notNegative(String key, long value) {
    if (value < 0) {
      fail(key, "must be 0 or positive, was " + value);
    }
  }

  private void require(String key, String value) {
    if (value == null || value.isBlank()) {
      fail(key, "is required");
    }
  }

  private void positive(String key, long value) {
    if (value <= 0) {
      fail(key, "must be positive, was " + value);
    }
  }

  private void fail(String key, String problem) {
    throw new ConfigException("key '" + key + "' " + problem + " (from " + sourceOf(key) + ")");
  }

  private String sourceOf(String key) {
    String k = key;
    while (!k.isEmpty()) {
      String s = sources.get(k);
      if (s != null) {
        return s;
      }
      int dot = k.lastIndexOf('.');
      k = dot < 0 ? "" : k.substring(0, dot);
    }
    return "built-in defaults";
  }

  private static String keyOf(JsonMappingException e) {
    List<String> parts = new ArrayList<>();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        parts.add(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        parts.add(Integer.toString(ref.getIndex()));
      }
    }
    return String.join(".", parts);
  }

  private static String describe(JsonMappingException e, String key) {
    if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException) {
      return "unknown key '" + key + "'";
    }
    return "bad value for '" + key + "': " + firstLine(e.getOriginalMessage());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private void markSources(JsonNode node, String prefix, String source) {
    if (!prefix.isEmpty()) {
      sources.put(prefix, source);
    }
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        markSources(e.getValue(), join(prefix, e.getKey()), source);
      }
    }
  }

  private void merge(ObjectNode into, ObjectNode from, String prefix, String source) {
    Iterator<Map.Entry<String, JsonNode>> it = from.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = join(prefix, e.getKey());
      rejectMoved(key, e.getValue(), source);
      JsonNode existing = into.get(e.getKey());
      if (existing != null && existing.isObject() && e.getValue().isObject() && !isFreeMap(key)) {
        sources.put(key, source);
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), key, source);
      } else {
        into.set(e.getKey(), e.getValue());
        markSources(e.getValue(), key, source);
      }
    }
  }

  /** Maps whose keys are user data (model names, route values): a file replaces them whole. */
  private static boolean isFreeMap(String key) {
    return key.equals("llm.pricing") || key.equals("summarize.prompts.routes") || key.equals("catalog.options")
        || key.equals("skew.dev.options") || key.equals("skew.prod.options") || key.equals("eval.assert.options")
        || key.equals("eval.judge.a.options") || key.equals("eval.judge.b.options")
        || key.equals("eval.review.questions");
  }

  /** Keys of earlier versions, and where they live now: setting one is an error that says so. */
  private static final Map<String, String> MOVED = Map.of(
      "summarize.input.format", "catalog.format",
      "summarize.input.path", "catalog.path",
      "summarize.input.options", "catalog.options",
      "summarize.input.columns.id", "catalog.columns.id",
      "summarize.input.columns.updated_at", "catalog.columns.updated_at",
      "summarize.input.columns.text", "catalog.columns.text",
      "summarize.input.columns.route", "catalog.columns.category",
      "summarize.input.columns.brand", "catalog.columns.brand");

  private static void rejectMoved(String key, JsonNode value, String source) {
    if (value != null && value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = value.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        rejectMoved(join(key, e.getKey()), e.getValue(), source);
      }
      if (!key.equals("summarize.input") && !key.equals("summarize.input.columns")) {
        return;
      }
    }
    String now = MOVED.get(key);
    if (now != null || key.startsWith("summarize.input")) {
      throw new ConfigException("key '" + key + "' has moved to '" + (now != null ? now : "catalog.*")
          + "' (the catalog has its own section now; from " + source + ")");
    }
  }

  private void put(ObjectNode tree, String key, JsonNode value, String source) {
    rejectMoved(key, value, source);
    String[] parts = key.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (child == null || !child.isObject()) {
        child = node.putObject(parts[i]);
      }
      node = (ObjectNode) child;
    }
    node.set(parts[parts.length - 1], value);
    markSources(value, key, source);
  }

  private JsonNode scalar(String text) {
    try {
      JsonNode n = yaml.readTree(text.isEmpty() ? "''" : text);
      return n == null || n.isMissingNode() ? TextNode.valueOf(text) : n;
    } catch (IOException e) {
      return TextNode.valueOf(text);
    }
  }

  private void substituteEnv(JsonNode node, String prefix, Map<String, String> env) {
    if (!node.isObject() && !node.isArray()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields =
        node.isObject() ? node.fields() : indexed(node);
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      String key = join(prefix, e.getKey());
      JsonNode child = e.getValue();
      if (child.isTextual() && child.asText().contains("${")) {
        TextNode replaced = TextNode.valueOf(expand(child.asText(), key, env));
        if (node.isObject()) {
          ((ObjectNode) node).set(e.getKey(), replaced);
        } else {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(Integer.parseInt(e.getKey()), replaced);
        }
      } else {
        substituteEnv(child, key, env);
      }
    }
  }

  private static Iterator<Map.Entry<String, JsonNode>> indexed(JsonNode array) {
    List<Map.Entry<String, JsonNode>> list = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      list.add(Map.entry(Integer.toString(i), array.get(i)));
    }
    return list.iterator();
  }

  private String expand(String value, String key, Map<String, String> env) {
    Matcher m = ENV_REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = env.get(m.group(1));
      if (v == null) {
        throw new ConfigException(
            "key '" + key + "' refers to ${" + m.group(1) + "}, which is not set (from " + sourceOf(key) + ")");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  /** An empty object node, for callers that build configs in code. */
  static ObjectNode emptyTree() {
    return JsonNodeFactory.instance.objectNode();
  }
}
