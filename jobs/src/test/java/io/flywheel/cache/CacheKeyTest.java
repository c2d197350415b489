package io.flywheel.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flywheel.llm.DecodingParams;
import io.flywheel.prompt.PromptTemplate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
  private static final PromptTemplate PROMPT = new PromptTemplate("catalog_summary", 1, "You summarize.", "Item: {item_json}");
  private static final DecodingParams PARAMS = new DecodingParams(0.0, 1.0, 160, 0);
  private static final String ITEM = "SKU-00000001";
  private static final String CONTENT = "c0ffee";

  private static CacheKey base() {
    return CacheKey.of(PROMPT, "local", "flywheel-extractive-v2", PARAMS, 1, "g1-abcdef012345");
  }

  private static CacheKey with(PromptTemplate prompt) {
    return CacheKey.of(prompt, "local", "flywheel-extractive-v2", PARAMS, 1, "g1-abcdef012345");
  }

  private static CacheKey with(DecodingParams params) {
    return CacheKey.of(PROMPT, "local", "flywheel-extractive-v2", params, 1, "g1-abcdef012345");
  }

  @Test
  void sameInputsGiveSameKeys() {
    assertThat(base().cacheKey(ITEM, CONTENT)).isEqualTo(base().cacheKey(ITEM, CONTENT));
    assertThat(base().requestKey(CONTENT)).isEqualTo(base().requestKey(CONTENT));
    // A prompt loaded twice from the same text is the same prompt.
    PromptTemplate again = new PromptTemplate("catalog_summary", 1, "You summarize.", "Item: {item_json}");
    assertThat(with(again).cacheKey(ITEM, CONTENT)).isEqualTo(base().cacheKey(ITEM, CONTENT));
  }

  @Test
  void keysAreHexSha256() {
    assertThat(base().cacheKey(ITEM, CONTENT)).matches("[0-9a-f]{64}");
    assertThat(base().requestKey(CONTENT)).matches("[0-9a-f]{64}");
  }

  @Test
  void changingAnySingleComponentChangesTheCacheKey() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("base", base().cacheKey(ITEM, CONTENT));
    keys.put("item id", base().cacheKey("SKU-00000002", CONTENT));
    keys.put("content hash", base().cacheKey(ITEM, "c0ffef"));
    keys.put("prompt id", with(new PromptTemplate("catalog_summary_books", 1, "You summarize.", "Item: {item_json}")).cacheKey(ITEM, CONTENT));
    keys.put("prompt version", with(new PromptTemplate("catalog_summary", 2, "You summarize.", "Item: {item_json}")).cacheKey(ITEM, CONTENT));
    keys.put("system text", with(new PromptTemplate("catalog_summary", 1, "You summarize briefly.", "Item: {item_json}")).cacheKey(ITEM, CONTENT));
    keys.put("user text", with(new PromptTemplate("catalog_summary", 1, "You summarize.", "Item:\n{item_json}")).cacheKey(ITEM, CONTENT));
    keys.put("provider", CacheKey.of(PROMPT, "openai", "flywheel-extractive-v2", PARAMS, 1, "g1-abcdef012345").cacheKey(ITEM, CONTENT));
    keys.put("model", CacheKey.of(PROMPT, "local", "flywheel-extractive-v3", PARAMS, 1, "g1-abcdef012345").cacheKey(ITEM, CONTENT));
    keys.put("temperature", with(new DecodingParams(0.2, 1.0, 160, 0)).cacheKey(ITEM, CONTENT));
    keys.put("top_p", with(new DecodingParams(0.0, 0.9, 160, 0)).cacheKey(ITEM, CONTENT));
    keys.put("max_output_tokens", with(new DecodingParams(0.0, 1.0, 161, 0)).cacheKey(ITEM, CONTENT));
    keys.put("seed", with(new DecodingParams(0.0, 1.0, 160, 1)).cacheKey(ITEM, CONTENT));
    keys.put("schema version", CacheKey.of(PROMPT, "local", "flywheel-extractive-v2", PARAMS, 2, "g1-abcdef012345").cacheKey(ITEM, CONTENT));
    keys.put("guardrail version", CacheKey.of(PROMPT, "local", "flywheel-extractive-v2", PARAMS, 1, "g1-abcdef012346").cacheKey(ITEM, CONTENT));

    assertThat(keys.values()).as("one key per variant: %s", keys).doesNotHaveDuplicates().hasSize(15);
  }

  @Test
  void changingAnyRequestComponentChangesTheRequestKey() {
    String baseKey = base().requestKey(CONTENT);
    assertThat(base().requestKey("c0ffef")).isNotEqualTo(baseKey);
    assertThat(with(new PromptTemplate("catalog_summary", 2, "You summarize.", "Item: {item_json}")).requestKey(CONTENT)).isNotEqualTo(baseKey);
    assertThat(with(new PromptTemplate("catalog_summary", 1, "You summarize.", "Item: {item_json}!")).requestKey(CONTENT)).isNotEqualTo(baseKey);
    assertThat(with(new DecodingParams(0.0, 1.0, 160, 7)).requestKey(CONTENT)).isNotEqualTo(baseKey);
    assertThat(CacheKey.of(PROMPT, "local", "other-model", PARAMS, 1, "g1-abcdef012345").requestKey(CONTENT)).isNotEqualTo(baseKey);
    assertThat(CacheKey.of(PROMPT, "local", "flywheel-extractive-v2", PARAMS, 1, "g1-x").requestKey(CONTENT)).isNotEqualTo(baseKey);
  }

  @Test
  void requestKeyDoesNotDependOnItemId() {
    CacheKey k = base();
    // Two items with identical content share one request but keep separate cache entries.
    assertThat(k.cacheKey("SKU-1", CONTENT)).isNotEqualTo(k.cacheKey("SKU-2", CONTENT));
    assertThat(k.requestKey(CONTENT)).isEqualTo(base().requestKey(CONTENT));
    assertThat(k.requestKey(CONTENT)).isNotEqualTo(k.cacheKey("SKU-1", CONTENT)).isNotEqualTo(k.cacheKey("request", CONTENT));
  }

  @Test
  void cacheKeyRequiresAnItemId() {
    assertThatThrownBy(() -> base().cacheKey(null, CONTENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item id");
  }

  @Test
  void ofCopiesPromptAndCanonicalDecoding() {
    CacheKey k = base();
    assertThat(k.promptId()).isEqualTo("catalog_summary");
    assertThat(k.promptVersion()).isEqualTo(1);
    assertThat(k.templateHash()).isEqualTo(PROMPT.templateHash());
    assertThat(k.decoding()).isEqualTo("temperature=0.0000;top_p=1.0000;max_output_tokens=160;seed=0");
  }
}
