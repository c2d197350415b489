package io.flywheel.udfs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and masks e-mail addresses, phone numbers and payment card numbers (Luhn-checked) in text.
 * Replacements are fixed tokens ({@code [EMAIL]}, {@code [PHONE]}, {@code [CARD]}) so that the
 * output stays deterministic and readable.
 */
public final class PiiRedactor {
  /** Bump when a pattern changes: it is part of the guardrail version, hence of the cache key. */
  public static final int VERSION = 2;

  private static final Pattern EMAIL =
      Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,24}");
  // 13-19 digits with optional single spaces or dashes between groups.
  private static final Pattern CARD = Pattern.compile("(?<![\\d-])(?:\\d[ -]?){12,18}\\d(?![\\d-])");
  // International or North American style; needs 9+ digits so prices and years never match. After a
  // parenthesized area code two groups suffice: "(415) 555-1234".
  private static final Pattern PHONE =
      Pattern.compile(
          "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{2,4}\\)[ .-]?\\d{2,4}[ .-]\\d{2,4}(?:[ .-]\\d{2,5})?"
              + "|\\d{2,4}[ .-]\\d{2,4}[ .-]\\d{2,5})(?![\\w])");

  private PiiRedactor() {}

  /** The PII kinds found in {@code text}, in the order EMAIL, CARD, PHONE, without repeats. */
  public static List<String> kindsFound(String text) {
    List<String> kinds = new ArrayList<>();
    if (text == null) {
      return kinds;
    }
    // Cheap necessary conditions first (the skew job asks this of every text): an e-mail needs an
    // '@', a card 13 digits, a phone 9; most texts have none of them and skip the regexes.
    String noEmail = text;
    if (text.indexOf('@') >= 0) {
      if (EMAIL.matcher(text).find()) {
        kinds.add("EMAIL");
        noEmail = EMAIL.matcher(text).replaceAll(" ");
      }
    }
    int digits = digitCount(noEmail);
    if (digits >= 13 && hasCard(noEmail)) {
      kinds.add("CARD");
    }
    if (digits >= 9 && hasPhone(digits >= 13 ? maskCards(noEmail) : noEmail)) {
      kinds.add("PHONE");
    }
    return kinds;
  }

  /** {@code text} with every e-mail, card number and phone number replaced by a token. */
  public static String redact(String text) {
    if (text == null || cannotHold(text)) {
      return text;
    }
    String s = EMAIL.matcher(text).replaceAll("[EMAIL]");
    s = maskCards(s);
    Matcher m = PHONE.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, digitCount(m.group()) >= 9 ? "[PHONE]" : Matcher.quoteReplacement(m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * True when no pattern can find anything in {@code text}: an e-mail needs an {@code @}, a card 13
   * digits and a phone 9, so a text without {@code @} and with fewer than 9 digits (most texts: the
   * prompts every logged request repeats, most item texts) is returned after one pass, no regex run.
   */
  static boolean cannotHold(String text) {
    int digits = 0;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c == '@' || (c >= '0' && c <= '9' && ++digits >= 9)) {
        return false;
      }
    }
    return true;
  }

  private static String maskCards(String s) {
    Matcher m = CARD.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, luhn(m.group()) ? "[CARD]" : Matcher.quoteReplacement(m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static boolean hasCard(String s) {
    Matcher m = CARD.matcher(s);
    while (m.find()) {
      if (luhn(m.group())) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasPhone(String s) {
    Matcher m = PHONE.matcher(s);
    while (m.find()) {
      if (digitCount(m.group()) >= 9) {
        return true;
      }
    }
    return false;
  }

  private static int digitCount(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (Character.isDigit(s.charAt(i))) {
        n++;
      }
    }
    return n;
  }

  /** Luhn checksum over the digits of {@code s}. */
  static boolean luhn(String s) {
    int sum = 0;
    boolean doubleIt = false;
    int digits = 0;
    for (int i = s.length() - 1; i >= 0; i--) {
      char c = s.charAt(i);
      if (!Character.isDigit(c)) {
        continue;
      }
      int d = c - '0';
      if (doubleIt) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      doubleIt = !doubleIt;
      digits++;
    }
    return digits >= 13 && sum % 10 == 0;
  }
}
