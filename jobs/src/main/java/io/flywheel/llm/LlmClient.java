package io.flywheel.llm;

/**
 * A model provider. Implementations are thread-safe and created once per JVM (see
 * {@link LlmClients}); {@link #complete} either returns an answer or throws {@link LlmException}.
 */
public interface LlmClient {
  /** Provider name as recorded in {@code llm_calls.provider} and the cache key. */
  String provider();

  LlmResponse complete(LlmRequest request);
}
