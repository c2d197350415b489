package io.flywheel.llm.local;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.LlmRequest;

/**
 * How the offline {@code local} provider answers one kind of request. A job registers its answerer
 * by naming the class in its {@link io.flywheel.llm.ResponseSchema}; the class needs a public
 * constructor without arguments, and is created once per JVM.
 */
public interface LocalAnswerer {
  /** The answer's content for {@code request}, whose last user message is {@code userMessage}. */
  String answer(LlmRequest request, String userMessage, FlywheelConfig.Local settings);
}
