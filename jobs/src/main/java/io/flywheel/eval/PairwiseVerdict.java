package io.flywheel.eval;

import java.util.Locale;

/**
 * A pairwise judge's verdict on two outputs for the same input (docs/eval.md#pairwise-judge): A
 * better, B better, or a tie. Each pair is judged twice with the order of the outputs swapped; a win
 * counts only when both orders agree.
 */
public enum PairwiseVerdict {
  A, B, TIE;

  /** The verdict a judge gave in its answer ({@code "A"}, {@code "B"}, {@code "tie"}, any case), or null. */
  public static PairwiseVerdict parse(String text) {
    if (text == null) {
      return null;
    }
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "a" -> A;
      case "b" -> B;
      case "tie", "draw", "equal" -> TIE;
      default -> null;
    };
  }

  /**
   * This verdict given with the outputs shown in swapped order (B as "first"), mapped back to the
   * original labels: the judge saying "first is better" about (B, A) means B.
   */
  public PairwiseVerdict unswapped() {
    return switch (this) {
      case A -> B;
      case B -> A;
      case TIE -> TIE;
    };
  }

  /**
   * The final verdict from the verdict in the original order and the one in swapped order (already
   * mapped back with {@link #unswapped}): a win only when both say the same; any disagreement, or a
   * missing verdict, is a tie (position bias must not decide).
   */
  public static PairwiseVerdict combine(PairwiseVerdict original, PairwiseVerdict swappedBack) {
    if (original == null || swappedBack == null || original != swappedBack) {
      return TIE;
    }
    return original;
  }

  /**
   * True when the longer of the two outputs is more than {@code maxRatio} times the shorter (in
   * characters; an empty output against a non-empty one always is): judges favour longer answers, so
   * such pairs are reported apart (length bias).
   */
  public static boolean lengthImbalanced(int charsA, int charsB, double maxRatio) {
    int shorter = Math.min(charsA, charsB);
    int longer = Math.max(charsA, charsB);
    if (shorter == 0) {
      return longer > 0;
    }
    return (double) longer / shorter > maxRatio;
  }
}
