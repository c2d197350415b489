package io.flywheel.cache;

import io.flywheel.llm.DecodingParams;
import io.flywheel.prompt.PromptTemplate;
import io.flywheel.udfs.Hashing;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that shapes an LLM result, apart from the item itself (see docs/cache.md). The request
 * key identifies one model request (identical inputs share it and are sent once); the cache key adds
 * the item id and identifies one cached result.
 */
public record CacheKey(
    String promptId,
    int promptVersion,
    String templateHash,
    String provider,
    String model,
    String decoding,
    int responseSchemaVersion,
    String guardrailVersion)
    implements Serializable {
  /** Version of this encoding; bump it and every key changes. */
  public static final String ENCODING = "flywheel-cache-key-v1";

  public static CacheKey of(
      PromptTemplate prompt, String provider, String model, DecodingParams params, int schemaVersion, String guardrailVersion) {
    return new CacheKey(
        prompt.id(), prompt.version(), prompt.templateHash(), provider, model, params.canonical(), schemaVersion, guardrailVersion);
  }

  /** SHA-256 of the request: content hash plus everything in this record. */
  public String requestKey(String contentHash) {
    return Hashing.sha256Parts(parts(null, contentHash));
  }

  /** SHA-256 of the cached result of one item. */
  public String cacheKey(String itemId, String contentHash) {
    if (itemId == null) {
      throw new IllegalArgumentException("item id is required for a cache key");
    }
    return Hashing.sha256Parts(parts(itemId, contentHash));
  }

  private List<String> parts(String itemId, String contentHash) {
    List<String> p = new ArrayList<>();
    p.add(ENCODING);
    p.add(itemId == null ? "request" : "item");
    if (itemId != null) {
      p.add(itemId);
    }
    p.add(contentHash);
    p.add(promptId);
    p.add(Integer.toString(promptVersion));
    p.add(templateHash);
    p.add(provider);
    p.add(model);
    p.add(decoding);
    p.add(Integer.toString(responseSchemaVersion));
    p.add(guardrailVersion);
    return p;
  }
}
