package io.flywheel.llm;

import java.io.Serializable;
import java.util.Locale;

/** Decoding parameters, each explicit (defaults included) because each one shapes the output. */
public record DecodingParams(double temperature, double topP, int maxOutputTokens, long seed)
    implements Serializable {

  /** Canonical text form used in the cache key: fixed order, fixed number formatting. */
  public String canonical() {
    return String.format(
        Locale.ROOT, "temperature=%.4f;top_p=%.4f;max_output_tokens=%d;seed=%d",
        temperature, topP, maxOutputTokens, seed);
  }
}
