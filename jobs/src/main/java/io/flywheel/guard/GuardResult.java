package io.flywheel.guard;

import java.io.Serializable;
import java.util.List;

/**
 * Outcome of the summary guardrails: either a cleaned summary, or the name of the guardrail that
 * rejected it ({@code schema}, {@code length}, {@code injection}, {@code language}, {@code grounding}) and why.
 */
public record GuardResult(
    boolean passed, String failedGuardrail, String detail, String summary, List<String> keyFeatures, List<String> piiRedacted)
    implements Serializable {

  static GuardResult reject(String guardrail, String detail) {
    return new GuardResult(false, guardrail, detail, null, List.of(), List.of());
  }
}
