package io.flywheel.llm;

import java.io.Serializable;

/** A model answer with what the provider said about it. */
public record LlmResponse(
    String content, String reportedModel, FinishReason finishReason, Usage usage, long latencyMillis)
    implements Serializable {}
