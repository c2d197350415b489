package io.flywheel.llm;

import static org.apache.spark.sql.functions.lit;

import io.flywheel.config.FlywheelConfig;
import org.apache.spark.sql.Column;

/** What calls cost at the pinned model's price in {@code llm.pricing} (0 when it has none). */
public final class Costs {
  private Costs() {}

  public static double usd(FlywheelConfig.Llm llm, double inputTokens, double outputTokens) {
    FlywheelConfig.Price price = llm.pricing().get(llm.model());
    return price == null ? 0 : price.costUsd(inputTokens, outputTokens);
  }

  /** Before sending: the prompt at about 4 characters a token, and every output token used. */
  public static double worstCaseUsd(FlywheelConfig.Llm llm, LlmRequest request) {
    return usd(llm, Usage.estimateTokens(request.messages()), request.params().maxOutputTokens());
  }

  /** {@link #usd} over token-count columns, for the {@code cost_usd} of {@code llm_calls}. */
  public static Column usd(FlywheelConfig.Llm llm, Column inputTokens, Column outputTokens) {
    FlywheelConfig.Price price = llm.pricing().get(llm.model());
    if (price == null) {
      return lit(0.0);
    }
    return inputTokens.multiply(price.inputPerMtok() / 1e6).plus(outputTokens.multiply(price.outputPerMtok() / 1e6));
  }
}
