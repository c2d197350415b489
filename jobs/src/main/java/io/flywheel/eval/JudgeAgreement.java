package io.flywheel.eval;

import java.util.List;

/**
 * How far a judge agrees with people on the same yes/no questions (docs/eval.md#judge-calibration):
 * the observed agreement rate and Cohen's kappa, κ = (pₒ − pₑ) / (1 − pₑ), where pₑ is the agreement
 * expected by chance from each rater's own yes-rate (Cohen 1960; scikit-learn's
 * {@code cohen_kappa_score}). κ near 0 means the judge agrees no more than chance would.
 */
public record JudgeAgreement(long n, double agreement, double kappa) {

  /** The agreement of {@code judge} with {@code people}, answer by answer (same length, same order). */
  public static JudgeAgreement of(List<Boolean> judge, List<Boolean> people) {
    if (judge.size() != people.size()) {
      throw new IllegalArgumentException("judge has " + judge.size() + " answers, people " + people.size());
    }
    long n = judge.size();
    if (n == 0) {
      return new JudgeAgreement(0, Double.NaN, Double.NaN);
    }
    long agree = 0;
    long judgeYes = 0;
    long peopleYes = 0;
    for (int i = 0; i < n; i++) {
      boolean j = judge.get(i);
      boolean p = people.get(i);
      agree += j == p ? 1 : 0;
      judgeYes += j ? 1 : 0;
      peopleYes += p ? 1 : 0;
    }
    double po = (double) agree / n;
    double pj = (double) judgeYes / n;
    double pp = (double) peopleYes / n;
    double pe = pj * pp + (1 - pj) * (1 - pp);
    // Both raters constant and equal: perfect agreement that chance also predicts; sklearn gives NaN too.
    double kappa = pe == 1 ? Double.NaN : (po - pe) / (1 - pe);
    return new JudgeAgreement(n, po, kappa);
  }
}
