package io.flywheel.llm;

import java.io.Serializable;

/** Token counts as the provider reported them (the local provider estimates them). */
public record Usage(int inputTokens, int outputTokens) implements Serializable {}
