package io.flywheel.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.flywheel.summarize.SummaryCalls;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each criterion on hand-made outputs: what passes, what fails, and what the failure says. */
class CriterionTest {
  private static final String INPUT =
      "Acme stainless kettle, 1.7 litres, 2200 W. Boils water in 3 minutes. Made in Portugal.";

  @Test
  void includesNeedsEveryPhraseOrPatternUnlessAnyIsEnough() {
    Criterion all = new Criterion.Includes("mentions", List.of("Kettle", "boils  water"), List.of(Pattern.compile("\\d+ ?W")), false);
    assertThat(all.check("A kettle that BOILS water fast, 2200 W.", INPUT).passed()).isTrue();
    Criterion.Verdict v = all.check("A kettle that heats water.", INPUT);
    assertThat(v.passed()).isFalse();
    assertThat(v.detail()).isEqualTo("missing 'boils  water', /\\d+ ?W/");
    Criterion any = new Criterion.Includes("either", List.of("kettle", "teapot"), List.of(), true);
    assertThat(any.check("a teapot", INPUT).passed()).isTrue();
    assertThat(any.check("a mug", INPUT).detail()).isEqualTo("none of 'kettle', 'teapot'");
  }

  @Test
  void excludesFailsOnTheFirstPhraseOrPatternFound() {
    Criterion c = new Criterion.Excludes("no_hype", List.of("best ever"), List.of(Pattern.compile("(?i)guarantee")));
    assertThat(c.check("A solid kettle.", INPUT).passed()).isTrue();
    assertThat(c.check("The BEST  EVER kettle", INPUT).detail()).isEqualTo("holds 'best ever'");
    assertThat(c.check("Guaranteed to boil", INPUT).detail()).isEqualTo("matches /(?i)guarantee/");
  }

  @Test
  void countsAreWithinTheirBounds() {
    Criterion words = new Criterion.Count("short", Criterion.Unit.WORDS, null, 3, 5);
    assertThat(words.check("one two three", null).passed()).isTrue();
    assertThat(words.check("one two", null).detail()).isEqualTo("2 words, allowed 3..5");
    Criterion sentences = new Criterion.Count("one_sentence", Criterion.Unit.SENTENCES, null, null, 1);
    assertThat(sentences.check("It boils. It is steel.", null).detail()).isEqualTo("2 sentences, allowed ..1");
    Criterion items = new Criterion.Count("features", Criterion.Unit.ITEMS, "key_features", 1, 3);
    assertThat(items.check("{\"summary\": \"x\", \"key_features\": [\"a\", \"b\"]}", null).passed()).isTrue();
    assertThat(items.check("{\"key_features\": []}", null).detail()).isEqualTo("0 items of 'key_features', allowed 1..3");
    assertThat(items.check("not json", null).passed()).isFalse();
    assertThat(new Criterion.Count("list", Criterion.Unit.ITEMS, null, 2, null).check("[1, 2, 3]", null).passed()).isTrue();
  }

  @Test
  void theSchemaCriterionChecksAsTheProvidersDo() {
    Criterion c = new Criterion.MatchesSchema("valid_json", SummaryCalls.SCHEMA);
    assertThat(c.check("{\"summary\": \"A kettle.\", \"key_features\": [\"steel\"]}", INPUT).passed()).isTrue();
    Criterion.Verdict v = c.check("{\"summary\": 42, \"key_features\": []}", INPUT);
    assertThat(v.passed()).isFalse();
    assertThat(v.detail()).contains("summary");
    assertThat(c.check("Sure! It is a kettle.", INPUT).passed()).isFalse();
  }

  @Test
  void groundedNeedsTheNumbersAndNamesOfTheOutputInTheInput() {
    Criterion c = new Criterion.Grounded("grounded", true);
    assertThat(c.check("Acme kettle of 1.7 litres, made in Portugal; boils in 3 minutes.", INPUT).passed()).isTrue();
    assertThat(c.check("A kettle of 2.5 litres.", INPUT).detail()).isEqualTo("number 2.5 does not occur in the input");
    assertThat(c.check("A kettle made by Philips.", INPUT).detail()).isEqualTo("name 'Philips' does not occur in the input");
    // A capital that starts a sentence or a line is not a name.
    assertThat(c.check("Quick to boil. Sturdy.\nSilent too.", INPUT).passed()).isTrue();
    assertThat(new Criterion.Grounded("numbers_only", false).check("A kettle made by Philips.", INPUT).passed()).isTrue();
    assertThat(c.check("A kettle.", null).detail()).isEqualTo("no input to check against");
  }

  @Test
  void languageAndPii() {
    Criterion en = new Criterion.Language("english", "en", true);
    assertThat(en.check("This kettle boils water quickly and quietly for the whole family.", INPUT).passed()).isTrue();
    assertThat(en.check("Esta chaleira ferve a água rapidamente e em silêncio para toda a família.", INPUT).detail())
        .startsWith("language '");
    assertThat(en.check("ok", INPUT).passed()).isTrue();
    assertThat(new Criterion.Language("strict", "en", false).check("ok", INPUT).passed()).isFalse();
    Criterion pii = new Criterion.NoPii("no_pii");
    assertThat(pii.check("Write to help@acme.example or call 555-123-4567.", INPUT).detail()).isEqualTo("holds EMAIL, PHONE");
    assertThat(pii.check("A kettle.", INPUT).passed()).isTrue();
  }
}
