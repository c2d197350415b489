package io.flywheel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  private static ConfigLoader.Loaded load(Path file, Map<String, String> env, String... sets) {
    return ConfigLoader.load(file, env, List.of(sets));
  }

  @Test
  void defaultsAloneGiveAValidLocalConfig() {
    ConfigLoader.Loaded loaded = load(null, Map.of());
    FlywheelConfig c = loaded.config();
    assertThat(loaded.file()).isEqualTo("built-in defaults");
    assertThat(c.llm().provider()).isEqualTo("local");
    assertThat(c.llm().model()).isEqualTo("flywheel-extractive-v2");
    assertThat(c.llm().maxAttempts()).isEqualTo(3);
    assertThat(c.catalog().columns().text())
        .containsExactly("title", "brand", "category", "price", "description", "reviews");
    assertThat(c.summarize().prompts().routes()).containsEntry("books", "catalog_summary_books");
    assertThat(loaded.hash()).matches("[0-9a-f]{16}");
  }

  @Test
  void precedenceIsDefaultsThenFileThenEnvThenSet() throws IOException {
    Path f =
        yaml(
            "conf.yaml",
            """
            llm:
              model: from-file
              max_concurrency: 2
              max_attempts: 5
            summarize:
              batch_size: 100
            """);
    Map<String, String> env =
        Map.of(
            "FLYWHEEL_LLM__MODEL", "from-env",
            "FLYWHEEL_LLM__MAX_CONCURRENCY", "7");
    FlywheelConfig c = load(f, env, "llm.model=from-set").config();

    assertThat(c.warehouse().root()).as("default, untouched").isEqualTo("./warehouse");
    assertThat(c.summarize().batchSize()).as("file beats default").isEqualTo(100);
    assertThat(c.llm().maxAttempts()).as("file beats default").isEqualTo(5);
    assertThat(c.llm().maxConcurrency()).as("env beats file").isEqualTo(7);
    assertThat(c.llm().model()).as("--set beats env and file").isEqualTo("from-set");
  }

  @Test
  void envKeyWithSingleUnderscoresMapsToSnakeCaseLeaf() {
    FlywheelConfig c =
        load(null, Map.of("FLYWHEEL_CATALOG__COLUMNS__UPDATED_AT", "modified")).config();
    assertThat(c.catalog().columns().updatedAt()).isEqualTo("modified");
  }

  @Test
  void ignoresEnvironmentVariablesThatAreNotFlywheelKeys() {
    FlywheelConfig c =
        load(null, Map.of("FLYWHEEL_HOME", "/opt/flywheel", "LLM__MODEL", "nope", "PATH", "/bin")).config();
    assertThat(c.llm().model()).isEqualTo("flywheel-extractive-v2");
  }

  @Test
  void fileOverridesOneNestedKeyAndKeepsItsSiblings() throws IOException {
    Path f = yaml("conf.yaml", "summarize:\n  guardrails:\n    max_summary_chars: 300\n");
    FlywheelConfig.Guardrails g = load(f, Map.of()).config().summarize().guardrails();
    assertThat(g.maxSummaryChars()).isEqualTo(300);
    assertThat(g.minSummaryChars()).isEqualTo(20);
    assertThat(g.language()).isEqualTo("en");
  }

  @Test
  void fileReplacesFreeFormMapsWhole() throws IOException {
    Path f = yaml("conf.yaml", "summarize:\n  prompts:\n    routes:\n      toys: catalog_summary\n");
    FlywheelConfig.Prompts p = load(f, Map.of()).config().summarize().prompts();
    assertThat(p.routes()).containsExactly(Map.entry("toys", "catalog_summary"));
    assertThat(p.defaultPrompt()).isEqualTo("catalog_summary");
  }

  @Test
  void setParsesTypedScalars() {
    FlywheelConfig c =
        load(null, Map.of(), "llm.max_attempts=9", "summarize.retry_rejected=true", "summarize.decoding.temperature=0.7")
            .config();
    assertThat(c.llm().maxAttempts()).isEqualTo(9);
    assertThat(c.summarize().retryRejected()).isTrue();
    assertThat(c.summarize().decoding().temperature()).isEqualTo(0.7);
  }

  @Test
  void unknownKeyErrorNamesTheKeyAndTheFile() throws IOException {
    Path f = yaml("typo.yaml", "llm:\n  modle: gpt-x\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key 'llm.modle'")
        .hasMessageContaining(f.toString());
  }

  @Test
  void unknownKeyFromEnvironmentNamesTheVariable() {
    assertThatThrownBy(() -> load(null, Map.of("FLYWHEEL_LLM__MODLE", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("llm.modle")
        .hasMessageContaining("environment variable FLYWHEEL_LLM__MODLE");
  }

  @Test
  void wrongTypeErrorNamesTheKeyAndTheFile() throws IOException {
    Path f = yaml("types.yaml", "llm:\n  max_attempts: lots\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad value for 'llm.max_attempts'")
        .hasMessageContaining(f.toString());
  }

  @Test
  void wrongTypeFromSetNamesTheFlag() {
    assertThatThrownBy(() -> load(null, Map.of(), "summarize.batch_size=many"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("summarize.batch_size")
        .hasMessageContaining("--set summarize.batch_size");
  }

  @Test
  void shadowsAreCheckedAndAShadowRunGetsItsOwnWarehouseAndTheCandidatesSettings() throws IOException {
    Path f = yaml("shadow.yaml", String.join("\n", "warehouse:", "  root: /data/wh", "  database: flywheel", "summarize:",
        "  shadows:", "    mini:", "      sample_fraction: 0.1", "      set:", "        llm.model: gpt-mini",
        "        summarize.decoding.max_output_tokens: 90", ""));
    ConfigLoader.Loaded production = load(f, Map.of());
    assertThat(io.flywheel.summarize.ShadowRun.resolve(production, extra -> {
      throw new AssertionError("no shadow asked for, yet reloaded with " + extra);
    })).isSameAs(production);
    ConfigLoader.Loaded asked = load(f, Map.of(), "summarize.shadow=mini");
    FlywheelConfig shadow = io.flywheel.summarize.ShadowRun.resolve(asked,
        extra -> ConfigLoader.load(f, Map.of(), java.util.stream.Stream.concat(
            java.util.stream.Stream.of("summarize.shadow=mini"), extra.stream()).toList())).config();
    assertThat(shadow.warehouse().root()).isEqualTo("/data/wh/shadow/mini");
    assertThat(shadow.warehouse().database()).isEmpty();
    assertThat(shadow.llm().model()).isEqualTo("gpt-mini");
    assertThat(shadow.summarize().decoding().maxOutputTokens()).isEqualTo(90);
    assertThat(shadow.catalog().path()).isEqualTo(production.config().catalog().path());
    // A nested set, as --set makes one, names the same keys.
    FlywheelConfig.Shadow nested = load(f, Map.of(), "summarize.shadows.mini.set.summarize.decoding.temperature=0.5")
        .config().summarize().shadows().get("mini");
    assertThat(nested.sets()).containsEntry("summarize.decoding.temperature", "0.5").containsEntry("llm.model", "gpt-mini");

    assertThatThrownBy(() -> load(f, Map.of(), "summarize.shadow=maxi"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("summarize.shadow").hasMessageContaining("'maxi'")
        .hasMessageContaining("defined: mini");
    Path wide = yaml("wide.yaml", String.join("\n", "summarize:", "  shadows:", "    wide:", "      sample_fraction: 0.1",
        "      set:", "        catalog.path: /elsewhere", ""));
    assertThatThrownBy(() -> load(wide, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("summarize.shadows.wide.set.catalog.path")
        .hasMessageContaining(wide.toString());
    Path none = yaml("none.yaml", "summarize:\n  shadows:\n    empty: {max_items: 5}\n");
    assertThatThrownBy(() -> load(none, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("summarize.shadows.empty.sample_fraction");
  }

  @Test
  void evalSettingsAreCheckedAndNamedAndTheBuiltInSuiteIsThere() throws IOException {
    FlywheelConfig.Eval e = load(null, Map.of()).config().eval();
    assertThat(e.suites()).containsKey("summary_basics");
    assertThat(e.assertion().suite()).isEqualTo("summary_basics");
    assertThat(e.assertion().target()).isEqualTo("llm_calls");
    assertThatThrownBy(() -> load(null, Map.of(), "eval.assert.suite=nope"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eval.assert.suite").hasMessageContaining("'nope'").hasMessageContaining("--set eval.assert.suite");
    assertThatThrownBy(() -> load(null, Map.of(), "eval.shadow_report.suite=nope"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.shadow_report.suite").hasMessageContaining("'nope'");
    assertThatThrownBy(() -> load(null, Map.of(), "eval.shadow_report.shadow=../prod"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.shadow_report.shadow");
    assertThatThrownBy(() -> load(null, Map.of(), "eval.assert.min_pass_rate=1.5"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("eval.assert.min_pass_rate");
    // A file's suite is added beside the built-in one.
    Path f = dir.resolve("eval.yaml");
    Files.writeString(f, "eval:\n  suites:\n    mine:\n      criteria: [{type: no_pii}]\n  assert:\n    suite: mine\n");
    FlywheelConfig.Eval fromFile = load(f, Map.of()).config().eval();
    assertThat(fromFile.suites()).containsKeys("summary_basics", "mine");
    assertThat(fromFile.assertion().suite()).isEqualTo("mine");
  }

  @Test
  void recommendRetrievalSettingsAreCheckedAndNamed() {
    assertThatThrownBy(() -> load(null, Map.of(), "recommend.retrieval=nearest"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recommend.retrieval")
        .hasMessageContaining("'nearest'");
    assertThatThrownBy(() -> load(null, Map.of(), "recommend.overgenerate=0.5"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recommend.overgenerate");
    assertThatThrownBy(() -> load(null, Map.of(), "recommend.batch_size=0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recommend.batch_size");
    assertThatThrownBy(() -> load(null, Map.of(), "recommend.index_cells=-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recommend.index_cells");
    FlywheelConfig.Recommend r = load(null, Map.of(), "recommend.retrieval=profile", "recommend.probe_cells=4")
        .config().recommend();
    assertThat(r.retrieval()).isEqualTo("profile");
    assertThat(r.probeCells()).isEqualTo(4);
    assertThat(r.batchSize()).isEqualTo(20_000);
    assertThat(r.maxPerCategory()).isEqualTo(5);
    assertThatThrownBy(() -> load(null, Map.of(), "recommend.max_per_category=-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("recommend.max_per_category");
  }

  @Test
  void substitutesEnvironmentReferencesInValues() throws IOException {
    Path f = yaml("conf.yaml", "warehouse:\n  root: ${DATA_ROOT}/wh\nllm:\n  model: ${MODEL}\n");
    FlywheelConfig c = load(f, Map.of("DATA_ROOT", "/data", "MODEL", "m-1")).config();
    assertThat(c.warehouse().root()).isEqualTo("/data/wh");
    assertThat(c.llm().model()).isEqualTo("m-1");
  }

  @Test
  void substitutesEnvironmentReferencesInsideLists() throws IOException {
    Path f = yaml("conf.yaml", "catalog:\n  columns:\n    text: [title, \"${EXTRA_COL}\"]\n");
    FlywheelConfig c = load(f, Map.of("EXTRA_COL", "body")).config();
    assertThat(c.catalog().columns().text()).containsExactly("title", "body");
  }

  @Test
  void missingEnvironmentVariableErrorNamesVariableKeyAndFile() throws IOException {
    Path f = yaml("conf.yaml", "warehouse:\n  root: ${DATA_ROOT}/wh\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("${DATA_ROOT}")
        .hasMessageContaining("not set")
        .hasMessageContaining("'warehouse.root'")
        .hasMessageContaining(f.toString());
  }

  @Test
  void badProviderErrorNamesTheValueAndTheFile() throws IOException {
    Path f = yaml("conf.yaml", "llm:\n  provider: gemini\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'llm.provider'")
        .hasMessageContaining("'gemini'")
        .hasMessageContaining(f.toString());
  }

  @Test
  void outOfRangeValueErrorNamesTheFlagThatSetIt() {
    assertThatThrownBy(() -> load(null, Map.of(), "summarize.max_failure_ratio=2"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'summarize.max_failure_ratio'")
        .hasMessageContaining("between 0 and 1")
        .hasMessageContaining("--set summarize.max_failure_ratio");
    assertThatThrownBy(() -> load(null, Map.of(), "llm.max_attempts=0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'llm.max_attempts' must be positive");
  }

  @Test
  void setWithoutEqualsSignIsRejected() {
    assertThatThrownBy(() -> load(null, Map.of(), "llm.model"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--set llm.model")
        .hasMessageContaining("key=value");
  }

  @Test
  void missingFileIsAnError() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> load(missing, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void invalidYamlErrorNamesTheFile() throws IOException {
    Path f = yaml("broken.yaml", "llm: [unclosed\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void yamlSyntaxErrorNamesFileLineAndColumnInOneLine() throws IOException {
    Path tab = yaml("tab.yaml", "llm:\n  model: x\n\tprovider: local\n");
    assertThatThrownBy(() -> load(tab, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(tab + ": not valid YAML at line 3, column 1: ")
        .hasMessageContaining("TAB")
        .hasMessageNotContaining("\n");
    Path unclosed = yaml("unclosed.yaml", "warehouse:\n  root: /tmp/wh\nllm: [unclosed\n");
    assertThatThrownBy(() -> load(unclosed, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(unclosed + ": not valid YAML at line 4, column 1: expected ',' or ']', but got <stream end>"
            + " (while parsing a flow sequence started at line 3, column 6)");
  }

  @Test
  void topLevelMustBeAMapping() throws IOException {
    Path f = yaml("list.yaml", "- a\n- b\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("top level must be a mapping");
  }

  @Test
  void emptyFileMeansDefaults() throws IOException {
    Path f = yaml("empty.yaml", "");
    ConfigLoader.Loaded loaded = load(f, Map.of());
    assertThat(loaded.file()).isEqualTo(f.toString());
    assertThat(loaded.hash()).isEqualTo(load(null, Map.of()).hash());
  }

  @Test
  void hashIsStableAndChangesWithAnyValue() throws IOException {
    Path a = yaml("a.yaml", "llm:\n  max_attempts: 4\n");
    Path b = yaml("b.yaml", "llm:\n  max_attempts: 4\n");
    String hashA = load(a, Map.of()).hash();
    assertThat(load(b, Map.of()).hash()).as("same values, other file").isEqualTo(hashA);
    assertThat(load(a, Map.of(), "llm.max_attempts=5").hash()).isNotEqualTo(hashA);
    assertThat(load(a, Map.of(), "summarize.decoding.seed=1").hash()).isNotEqualTo(hashA);
  }

  @Test
  void aKeyPastedAsTheVariableNameIsRejectedWithoutEchoingIt() {
    assertThatThrownBy(() -> load(null, Map.of("OPENAI_API_KEY", "sk-live-abcdef123456"),
            "llm.api_key_env=${OPENAI_API_KEY}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("llm.api_key_env")
        .hasMessageContaining("NAME of an environment variable")
        .hasMessageNotContaining("sk-live-abcdef123456");
  }

  @Test
  void theConfigHoldsOnlyTheKeysNameSoItsHashDoesNotDependOnTheKey() {
    String a = load(null, Map.of("OPENAI_API_KEY", "sk-one-111111111"), "llm.api_key_env=OPENAI_API_KEY").hash();
    String b = load(null, Map.of("OPENAI_API_KEY", "sk-two-222222222"), "llm.api_key_env=OPENAI_API_KEY").hash();
    assertThat(a).isEqualTo(b);
  }

  @Test
  void providerKeysAreValidatedWithTheirNames() {
    assertThatThrownBy(() -> load(null, Map.of(), "llm.api_key_env=K", "llm.api_key_file=/tmp/k"))
        .hasMessageContaining("llm.api_key_file").hasMessageContaining("set one of them");
    assertThatThrownBy(() -> load(null, Map.of(), "llm.budget.max_cost_usd=5", "llm.model=gpt-x"))
        .hasMessageContaining("llm.budget.max_cost_usd").hasMessageContaining("'gpt-x' in llm.pricing");
    assertThatThrownBy(() -> load(null, Map.of(), "llm.structured_output=xml"))
        .hasMessageContaining("llm.structured_output").hasMessageContaining("--set llm.structured_output");
    assertThatThrownBy(() -> load(null, Map.of(), "llm.base_url=api.openai.com"))
        .hasMessageContaining("llm.base_url").hasMessageContaining("http://");
    assertThatThrownBy(() -> load(null, Map.of(), "llm.rate_limit.requests_per_minute=-1"))
        .hasMessageContaining("llm.rate_limit.requests_per_minute");
    assertThatThrownBy(() -> load(null, Map.of(), "llm.max_backoff_ms=10", "llm.initial_backoff_ms=100"))
        .hasMessageContaining("llm.max_backoff_ms");
    assertThat(load(null, Map.of(), "llm.budget.max_cost_usd=5", "llm.model=gpt-x",
        "llm.pricing={gpt-x: {input_per_mtok: 1, output_per_mtok: 2}}").config().llm().budget().maxCostUsd()).isEqualTo(5.0);
  }

  @Test
  void theProductionExampleIsAValidConfig() {
    FlywheelConfig c = load(io.flywheel.testing.TestSpark.confDir().resolve("prod.example.yaml"), Map.of()).config();
    assertThat(c.llm().provider()).isEqualTo("openai");
    assertThat(c.llm().apiKeyEnv()).isEqualTo("OPENAI_API_KEY");
    assertThat(c.llm().rateLimit().requestsPerMinute()).isEqualTo(3000);
    assertThat(c.llm().budget().maxCostUsd()).isEqualTo(50.0);
  }

  @Test
  void aMovedKeyIsAnErrorNamingItsNewPlaceAndTheFile() throws IOException {
    Path f = yaml("old.yaml", "summarize:\n  input:\n    path: /data/catalog\n");
    assertThatThrownBy(() -> load(f, Map.of()))
        .hasMessageContaining("'summarize.input.path' has moved to 'catalog.path'")
        .hasMessageContaining("old.yaml");
    assertThatThrownBy(() -> load(null, Map.of(), "summarize.input.columns.route=kind"))
        .hasMessageContaining("has moved to 'catalog.columns.category'")
        .hasMessageContaining("--set");
    assertThatThrownBy(() -> load(null, Map.of("FLYWHEEL_SUMMARIZE__INPUT__FORMAT", "csv")))
        .hasMessageContaining("'catalog.format'");
  }

  @Test
  void theCatalogSectionIsValidatedAndReadByEveryJob() {
    FlywheelConfig c = load(null, Map.of(), "catalog.columns.title=name", "catalog.format=parquet").config();
    assertThat(c.catalog().columns().title()).isEqualTo("name");
    assertThat(c.catalog().format()).isEqualTo("parquet");
    assertThatThrownBy(() -> load(null, Map.of(), "catalog.format=xlsx")).hasMessageContaining("catalog.format");
    assertThatThrownBy(() -> load(null, Map.of(), "catalog.columns.title=")).hasMessageContaining("catalog.columns.title");
    assertThatThrownBy(() -> load(null, Map.of(), "recommend.max_failure_ratio=2"))
        .hasMessageContaining("recommend.max_failure_ratio");
    assertThatThrownBy(() -> load(null, Map.of(), "run.heartbeat_seconds=60", "run.stale_after_seconds=90"))
        .hasMessageContaining("run.stale_after_seconds");
  }
}
