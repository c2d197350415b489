package io.flywheel.llm.openai;

import io.flywheel.config.FlywheelConfig;
import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How the {@code openai} provider names the output limit and whether it sends {@code temperature}
 * and {@code top_p}, per model: OpenAI's reasoning models (o1, o3, o4, gpt-5 families) reject
 * {@code max_tokens} (they take {@code max_completion_tokens}) and sampling parameters other than
 * the defaults. {@code llm.token_limit_param} and {@code llm.sampling_params} choose, {@code auto}
 * by model name (docs/providers.md#reasoning-models).
 */
public record OpenAiParams(String tokenLimitParam, boolean sendSampling) implements Serializable {
  /** o1, o1-mini, o3-2025-04-16, o4-mini, gpt-5, gpt-5-mini-..., also behind a router prefix ("openai/o3"). */
  private static final Pattern REASONING = Pattern.compile("^(?:o[1-9](?:[-.].*)?|gpt-5(?:[-.].*)?)$");

  /** The parameters for {@code model} under {@code llm}'s settings. */
  public static OpenAiParams of(FlywheelConfig.Llm llm, String model) {
    boolean reasoning = isReasoningModel(model);
    String limit = switch (llm.tokenLimitParam()) {
      case "auto" -> reasoning ? "max_completion_tokens" : "max_tokens";
      default -> llm.tokenLimitParam();
    };
    boolean sampling = switch (llm.samplingParams()) {
      case "auto" -> !reasoning;
      default -> llm.samplingParams().equals("send");
    };
    return new OpenAiParams(limit, sampling);
  }

  /** Whether {@code model} is of a family that auto mode treats as a reasoning model. */
  public static boolean isReasoningModel(String model) {
    if (model == null) {
      return false;
    }
    String m = model.strip().toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    return REASONING.matcher(slash >= 0 ? m.substring(slash + 1) : m).matches();
  }
}
