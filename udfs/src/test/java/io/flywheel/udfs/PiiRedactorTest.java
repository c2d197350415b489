package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PiiRedactorTest {

  @Test
  void redactsEmailAddress() {
    String text = "Questions? Write to jane.doe+shop@example.co.uk any time.";
    assertThat(PiiRedactor.redact(text)).isEqualTo("Questions? Write to [EMAIL] any time.");
    assertThat(PiiRedactor.kindsFound(text)).containsExactly("EMAIL");
  }

  @ParameterizedTest
  @ValueSource(strings = {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004", "378282246310005"})
  void redactsLuhnValidCardNumbers(String card) {
    String text = "Charged twice on my card " + card + ", be careful.";
    assertThat(PiiRedactor.redact(text)).isEqualTo("Charged twice on my card [CARD], be careful.");
    assertThat(PiiRedactor.kindsFound(text)).containsExactly("CARD");
  }

  @Test
  void leavesNonLuhnDigitRunUntouched() {
    // Same length as a Visa number, but the check digit is wrong: an order number, not a card.
    String text = "Order 4111111111111112 shipped.";
    assertThat(PiiRedactor.redact(text)).isEqualTo(text);
    assertThat(PiiRedactor.kindsFound(text)).isEmpty();
  }

  @Test
  void doesNotCallANonLuhnGroupedDigitRunACard() {
    String text = "Order 4111 1111 1111 1112 shipped.";
    assertThat(PiiRedactor.redact(text)).doesNotContain("[CARD]");
    assertThat(PiiRedactor.kindsFound(text)).doesNotContain("CARD");
  }

  @Test
  void leavesDigitRunsLongerThanACardUntouched() {
    // 20 digits whose first 16 are a valid card: too long to be a card, and not split into one.
    String text = "Tracking 41111111111111110000 ok";
    assertThat(PiiRedactor.redact(text)).isEqualTo(text);
    assertThat(PiiRedactor.kindsFound(text)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"415-555-1234", "415.555.1234", "415 555 1234", "+1 415 555 1234", "+44 20 7946 0958"})
  void redactsPhoneNumbers(String phone) {
    String text = "Call me on " + phone + " if you want to buy mine.";
    assertThat(PiiRedactor.redact(text)).isEqualTo("Call me on [PHONE] if you want to buy mine.");
    assertThat(PiiRedactor.kindsFound(text)).containsExactly("PHONE");
  }

  @ParameterizedTest
  @ValueSource(strings = {"(415) 555-1234", "(415) 555 1234", "+1 (415) 555-1234", "(030) 1234 5678"})
  void redactsPhoneNumbersWithParenthesizedAreaCode(String phone) {
    String text = "Call me on " + phone + " if you want to buy mine.";
    assertThat(PiiRedactor.redact(text)).isEqualTo("Call me on [PHONE] if you want to buy mine.");
    assertThat(PiiRedactor.kindsFound(text)).containsExactly("PHONE");
  }

  @Test
  void keepsShortNumbersAfterParentheses() {
    String text = "Pack (12) 50-60 cm, edition (2024) 3.5 kg, sizes (10) 20 30.";
    assertThat(PiiRedactor.redact(text)).isEqualTo(text);
    assertThat(PiiRedactor.kindsFound(text)).isEmpty();
  }

  @Test
  void keepsPricesYearsDatesAndMeasurements() {
    String text =
        "Now $19.99 (was 1,299.00 EUR) since 2024; restocked 2025-01-15 at 10:30. "
            + "Measures 30 x 40 x 12 cm, 500 ml, model 3000-200, v1.2.3.";
    assertThat(PiiRedactor.redact(text)).isEqualTo(text);
    assertThat(PiiRedactor.kindsFound(text)).isEmpty();
  }

  @Test
  void redactsEmailButKeepsPrices() {
    String text = "Only $24.99 in 2025, mail bob@shop.example for 2 pack deals.";
    assertThat(PiiRedactor.redact(text)).isEqualTo("Only $24.99 in 2025, mail [EMAIL] for 2 pack deals.");
  }

  @Test
  void cardIsNotAlsoReportedAsPhone() {
    assertThat(PiiRedactor.kindsFound("card 4111 1111 1111 1111")).containsExactly("CARD");
  }

  @Test
  void digitsInsideAnEmailAreNotAPhone() {
    String text = "reach jane.415.555.1234@example.com";
    assertThat(PiiRedactor.redact(text)).isEqualTo("reach [EMAIL]");
    assertThat(PiiRedactor.kindsFound(text)).containsExactly("EMAIL");
  }

  @Test
  void reportsEachKindOnceInFixedOrder() {
    String text = "Call 415-555-1234 or 415-555-9876, card 4111 1111 1111 1111, mail a@b.com or c@d.org";
    assertThat(PiiRedactor.kindsFound(text)).containsExactly("EMAIL", "CARD", "PHONE");
    assertThat(PiiRedactor.redact(text))
        .isEqualTo("Call [PHONE] or [PHONE], card [CARD], mail [EMAIL] or [EMAIL]");
  }

  @Test
  void nullTextHasNoPii() {
    assertThat(PiiRedactor.redact(null)).isNull();
    assertThat(PiiRedactor.kindsFound(null)).isEmpty();
  }

  @Test
  void luhnNeedsAtLeastThirteenDigits() {
    assertThat(PiiRedactor.luhn("79927398713")).as("Luhn-valid but only 11 digits").isFalse();
    assertThat(PiiRedactor.luhn("4111 1111 1111 1111")).isTrue();
    assertThat(PiiRedactor.luhn("4111 1111 1111 1112")).isFalse();
  }

  @Test
  void aTextWithoutAnAtSignAndWithFewerThanNineDigitsIsReturnedAsItIs() {
    assertThat(PiiRedactor.cannotHold("Kettle 1.7 l, 2200 W, model 42")).isTrue();
    assertThat(PiiRedactor.cannotHold("call 555 123 456")).isFalse();
    assertThat(PiiRedactor.cannotHold("mail a@b")).isFalse();
    String clean = "Kettle 1.7 l, 2200 W, model 42";
    assertThat(PiiRedactor.redact(clean)).isSameAs(clean);
    // Nine digits are enough to be looked at: the phone pattern decides.
    assertThat(PiiRedactor.redact("call 555-123-4567 now")).isEqualTo("call [PHONE] now");
  }
}
