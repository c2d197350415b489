package io.flywheel.llm;

import java.io.Serializable;
import java.util.List;

/** A structured model request: what HTTP providers send and the local provider reads. */
public record LlmRequest(
    String model, List<Message> messages, ResponseSchema responseSchema, DecodingParams params)
    implements Serializable {}
