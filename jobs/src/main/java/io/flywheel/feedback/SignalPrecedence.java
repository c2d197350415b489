package io.flywheel.feedback;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Resolves competing signals on one subject (an output, a pair of outputs, or an output and a
 * question): per user the strongest, then latest, signal is effective and the others are
 * superseded; effective signals of different users that take different sides are all rejected as
 * conflicting (docs/feedback.md#precedence).
 */
public final class SignalPrecedence {
  /** What became of one signal. */
  public enum Decision {
    EFFECTIVE,
    /** The same user said something stronger or later on the same subject. */
    SUPERSEDED,
    /** Another user's effective signal on the same subject takes the other side. */
    CONFLICTING
  }

  /** One usable event, reduced to what precedence looks at. */
  public record Signal(String eventId, String userId, FeedbackEventType type, long eventTimeMillis, String stance)
      implements Serializable {}

  /** Orders one user's signals: strength, then time, then event id (so equal times still resolve the same way). */
  static final Comparator<Signal> WINNER_LAST =
      Comparator.comparing((Signal s) -> s.type().strength())
          .thenComparingLong(Signal::eventTimeMillis)
          .thenComparing(Signal::eventId);

  private SignalPrecedence() {}

  /** The subject a signal competes on: equal keys compete, different keys never do. */
  public static String subjectKey(FeedbackEventType type, String callId, FeedbackPayload payload) {
    return switch (type.subject()) {
      case OUTPUT -> "output:" + callId;
      case PAIR -> {
        FeedbackPayload.Pairwise p = (FeedbackPayload.Pairwise) payload;
        String a = p.callA().compareTo(p.callB()) <= 0 ? p.callA() : p.callB();
        String b = a.equals(p.callA()) ? p.callB() : p.callA();
        yield "pair:" + a + "|" + b;
      }
      case QUESTION -> "question:" + callId + "|" + ((FeedbackPayload.BinaryLabel) payload).question();
    };
  }

  /** The side a signal takes: {@code +}, {@code -}, the preferred call id, yes or no; null for none. */
  public static String stance(FeedbackEventType type, FeedbackPayload payload) {
    return switch (type.stance()) {
      case POSITIVE -> "+";
      case NEGATIVE -> "-";
      case NEUTRAL -> null;
      case CHOICE -> payload instanceof FeedbackPayload.Pairwise p
          ? p.preferred()
          : ((FeedbackPayload.BinaryLabel) payload).answer() ? "yes" : "no";
    };
  }

  /** The decision for each signal of one subject, by event id (event ids must be unique). */
  public static Map<String, Decision> resolve(List<Signal> signals) {
    Map<String, Signal> effectiveByUser = new HashMap<>();
    for (Signal s : signals) {
      effectiveByUser.merge(s.userId(), s, (a, b) -> WINNER_LAST.compare(a, b) >= 0 ? a : b);
    }
    TreeSet<String> stances = new TreeSet<>();
    for (Signal s : effectiveByUser.values()) {
      if (s.stance() != null) {
        stances.add(s.stance());
      }
    }
    boolean conflict = stances.size() > 1;
    Map<String, Decision> out = new LinkedHashMap<>();
    for (Signal s : signals) {
      Signal winner = effectiveByUser.get(s.userId());
      Decision d;
      if (winner != s) {
        d = Decision.SUPERSEDED;
      } else if (conflict && s.stance() != null) {
        d = Decision.CONFLICTING;
      } else {
        d = Decision.EFFECTIVE;
      }
      out.put(s.eventId(), d);
    }
    return out;
  }

  /** {@link #resolve} in input order, for callers that keep rows in a list. */
  public static List<Decision> resolveInOrder(List<Signal> signals) {
    Map<String, Decision> byId = resolve(signals);
    List<Decision> out = new ArrayList<>(signals.size());
    for (Signal s : signals) {
      out.add(byId.get(s.eventId()));
    }
    return out;
  }
}
