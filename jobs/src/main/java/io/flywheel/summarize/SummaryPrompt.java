package io.flywheel.summarize;

import io.flywheel.config.FlywheelConfig;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.LlmRequest;
import io.flywheel.prompt.PromptTemplate;
import java.io.Serializable;
import java.util.List;

/**
 * The summarize task's default prompt, decoding parameters and response schema as one serializable
 * request builder, for jobs that put the summarize question to other texts (the skew job asks it
 * several times of the same evaluation input to measure nondeterminism, docs/skew.md).
 */
public record SummaryPrompt(PromptTemplate prompt, DecodingParams params, String language, int maxSummaryChars)
    implements Serializable {

  /** The prompt {@code summarize.prompts.default} names, with the summarize job's decoding settings. */
  public static SummaryPrompt of(FlywheelConfig config) {
    SummarySetup setup = SummarySetup.of(config);
    return new SummaryPrompt(setup.prompts().get(config.summarize().prompts().defaultPrompt()), setup.params(),
        setup.language(), setup.maxSummaryChars());
  }

  /** The request that summarizes an item whose only field is {@code field} = {@code text}. */
  public LlmRequest request(String model, String field, String text) {
    return new LlmRequest(model,
        prompt.render(SummaryCalls.promptVars(List.of(field), List.of(text), language, maxSummaryChars)),
        SummaryCalls.SCHEMA, params);
  }
}
