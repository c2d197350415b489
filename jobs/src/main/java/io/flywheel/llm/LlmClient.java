package io.flywheel.llm;

/**
 * A model provider. Implementations are thread-safe and created once per JVM (see
 * {@link LlmClients}); {@link #complete} either returns an answer or throws {@link LlmException}.
 */
public interface LlmClient {
  /** Provider name as recorded in {@code llm_calls.provider} and the cache key. */
  String provider();

  LlmResponse complete(LlmRequest request);

  /**
   * What {@link #complete} sends for {@code request} in the client's current mode (after a fallback
   * to the schema in the prompt, the fallback body), without headers or key. The default, for
   * clients that send nothing, is the OpenAI-style chat body.
   */
  default WireRequest wire(LlmRequest request) {
    return new WireRequest(provider(), request.responseSchema() == null ? "none" : "prompt", WireRequest.chatBody(request));
  }
}
