package io.flywheel.summarize;

import io.flywheel.cache.CacheKey;
import io.flywheel.config.FlywheelConfig;
import io.flywheel.guard.SummaryGuardrails;
import io.flywheel.llm.DecodingParams;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.prompt.PromptTemplate;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What is fixed for a summarize run before any data is read: the prompts in use, the decoding
 * parameters, the text fields, and each prompt's cache-key inputs (docs/cache.md).
 */
record SummarySetup(
    Map<String, PromptTemplate> prompts, DecodingParams params, List<String> fieldNames, CatalogPrep.KeyPlan keyPlan,
    String language, int maxSummaryChars) implements Serializable {

  static SummarySetup of(FlywheelConfig config) {
    FlywheelConfig.Summarize s = config.summarize();
    Map<String, PromptTemplate> used = usedPrompts(PromptCatalog.load(Path.of(s.promptsDir())), s.prompts());
    DecodingParams params = new DecodingParams(
        s.decoding().temperature(), s.decoding().topP(), s.decoding().maxOutputTokens(), s.decoding().seed());
    String guardrailVersion = guardrails(config, Set.of()).version();
    Map<String, CacheKey> keys = new LinkedHashMap<>();
    used.forEach((id, p) -> keys.put(id, CacheKey.of(p, config.llm().provider(), config.llm().model(),
        params, SummaryCalls.SCHEMA.version(), guardrailVersion)));
    List<String> fields = List.copyOf(config.catalog().columns().text());
    CatalogPrep.KeyPlan plan = new CatalogPrep.KeyPlan(fields, keys, s.prompts().defaultPrompt(), s.prompts().routes());
    return new SummarySetup(used, params, fields, plan, s.guardrails().language(), s.guardrails().maxSummaryChars());
  }

  /** The guardrails of docs/guardrails.md, with the catalog's brand names for the grounding check. */
  static SummaryGuardrails guardrails(FlywheelConfig config, Set<String> brands) {
    FlywheelConfig.Guardrails g = config.summarize().guardrails();
    return new SummaryGuardrails(g.language(), g.minSummaryChars(), g.maxSummaryChars(), g.maxKeyFeatures(), brands);
  }

  private static Map<String, PromptTemplate> usedPrompts(PromptCatalog catalog, FlywheelConfig.Prompts p) {
    Set<String> ids = new TreeSet<>(p.routes().values());
    ids.add(p.defaultPrompt());
    Map<String, PromptTemplate> used = new LinkedHashMap<>();
    for (String id : ids) {
      used.put(id, catalog.get(id));
    }
    return used;
  }
}
