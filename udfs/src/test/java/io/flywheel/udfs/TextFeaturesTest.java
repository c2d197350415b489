package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextFeaturesTest {
  private static final double EPS = 1e-12;

  @Test
  void englishTextHasHandCountedFeatures() {
    // "The kettle is quiet." = 20 code points, " Great value!" = 13: 33 in all, 5 of them spaces.
    String text = "The kettle is quiet. Great value!";
    TextFeatures.Profile p = TextFeatures.of(text);
    assertThat(p.chars()).isEqualTo(33);
    assertThat(p.words()).isEqualTo(6);
    assertThat(p.estimatedTokens()).isEqualTo(9); // ceil(33 / 4)
    assertThat(p.sentences()).isEqualTo(2);
    assertThat(p.nonLetterShare()).isCloseTo(2.0 / 28, within(EPS)); // '.' and '!' of 28 non-spaces
    // The, Great: Title; kettle, is, quiet, value: lower.
    assertThat(p.lowerShare()).isCloseTo(4.0 / 6, within(EPS));
    assertThat(p.titleShare()).isCloseTo(2.0 / 6, within(EPS));
    assertThat(p.upperShare()).isZero();
    assertThat(p.mixedShare()).isZero();
    assertThat(p.oovRate()).isZero();
    // "Great value" has two words: a fragment; "The kettle is quiet" has "is".
    assertThat(p.fragments()).isEqualTo(1);
    assertThat(p.fragmentShare()).isEqualTo(0.5);
    assertThat(p.validJson()).isFalse();
    assertThat(p.jsonShape()).isEqualTo("invalid");
    assertThat(p.jsonKeys()).isNull();
    assertThat(p.validXml()).isFalse();
    assertThat(p.language()).isEqualTo("en");
    assertThat(p.hasPii()).isFalse();
    assertThat(p.empty()).isFalse();
  }

  @Test
  void staticMethodsAgreeWithTheOnePassProfile() {
    String text = "The kettel is qiuet. HELLO World, iPhone ok? I love it: a@b.com\n{\"a\": 1}";
    TextFeatures.Profile p = TextFeatures.of(text);
    TextFeatures.Casing c = TextFeatures.casingProfile(text);
    assertThat(TextFeatures.charCount(text)).isEqualTo(p.chars());
    assertThat(TextFeatures.wordCount(text)).isEqualTo(p.words());
    assertThat(TextFeatures.estimatedTokens(text)).isEqualTo(p.estimatedTokens());
    assertThat(TextFeatures.sentenceCount(text)).isEqualTo(p.sentences());
    assertThat(TextFeatures.nonLetterShare(text)).isEqualTo(p.nonLetterShare());
    assertThat(c.lower()).isEqualTo(p.lowerShare());
    assertThat(c.upper()).isEqualTo(p.upperShare());
    assertThat(c.title()).isEqualTo(p.titleShare());
    assertThat(c.mixed()).isEqualTo(p.mixedShare());
    assertThat(TextFeatures.oovRate(text)).isEqualTo(p.oovRate());
    assertThat(TextFeatures.fragmentCount(text)).isEqualTo(p.fragments());
    assertThat(TextFeatures.fragmentShare(text)).isEqualTo(p.fragmentShare());
    assertThat(TextFeatures.isValidJson(text)).isEqualTo(p.validJson());
    assertThat(TextFeatures.jsonShape(text)).isEqualTo(p.jsonShape());
    assertThat(TextFeatures.jsonKeys(text)).isEqualTo(p.jsonKeys());
    assertThat(TextFeatures.isValidXml(text)).isEqualTo(p.validXml());
    assertThat(TextFeatures.language(text)).isEqualTo(p.language());
    assertThat(TextFeatures.hasPii(text)).isEqualTo(p.hasPii()).isTrue();
    assertThat(TextFeatures.isEmpty(text)).isEqualTo(p.empty());
  }

  @Test
  void outOfVocabularyRateCountsMisspelledWordsAndSkipsNumbers() {
    // kettel and qiuet are not English words: 2 of 4.
    assertThat(TextFeatures.oovRate("the kettel is qiuet")).isEqualTo(0.5);
    // "X200" and "4" hold digits and are not judged: model, has, ports are all known.
    assertThat(TextFeatures.oovRate("Model X200 has 4 ports")).isZero();
    // Case and curly apostrophes do not matter: "Don’t" is the contraction "don't".
    assertThat(TextFeatures.oovRate("Don’t WORRY")).isZero();
    assertThat(TextFeatures.oovRate("1234 5678")).isNull();
  }

  @Test
  void casingProfileSplitsCasedWordsIntoFourShares() {
    // HELLO upper; World, I title; iPhone mixed; ok lower; "42" has no cased letter.
    TextFeatures.Casing c = TextFeatures.casingProfile("HELLO World iPhone ok I 42");
    assertThat(c.lower()).isCloseTo(0.2, within(EPS));
    assertThat(c.upper()).isCloseTo(0.2, within(EPS));
    assertThat(c.title()).isCloseTo(0.4, within(EPS));
    assertThat(c.mixed()).isCloseTo(0.2, within(EPS));
    assertThat(TextFeatures.casingProfile("12 34 !!")).isNull();
    assertThat(TextFeatures.casingProfile("all lower case here").lower()).isEqualTo(1.0);
  }

  @Test
  void sentencesEndAtTerminatorsFollowedBySpaceAndAtLineBreaks() {
    // The dot in 2.5 is followed by a digit; "?!" is one terminator run.
    assertThat(TextFeatures.sentenceCount("Price is 2.5 kg. Really?! Yes...")).isEqualTo(3);
    assertThat(TextFeatures.sentenceCount("line one\nline two")).isEqualTo(2);
    assertThat(TextFeatures.sentenceCount("no terminator at all")).isEqualTo(1);
    assertThat(TextFeatures.sentenceCount("  ...  ")).isZero();
  }

  @Test
  void fragmentsAreShortOrVerblessSentencesOfEnglishText() {
    // "arrived" (-ed) and "works" are verb-like; "Great headphones, very comfortable" has no verb.
    String text = "Arrived quickly and works as described. Great headphones, very comfortable.";
    assertThat(TextFeatures.fragmentCount(text)).isEqualTo(1);
    assertThat(TextFeatures.fragmentShare(text)).isEqualTo(0.5);
    // Not English: undefined rather than "every sentence is a fragment".
    assertThat(TextFeatures.fragmentCount("Der Wasserkocher ist sehr leicht und einfach zu reinigen.")).isNull();
  }

  @Test
  void jsonShapeAndSortedTopLevelKeys() {
    assertThat(TextFeatures.jsonShape("{\"b\": 1, \"a\": [2]}")).isEqualTo("object");
    assertThat(TextFeatures.jsonKeys("{\"b\": 1, \"a\": [2]}")).containsExactly("a", "b");
    assertThat(TextFeatures.jsonKeys("{}")).isEmpty();
    assertThat(TextFeatures.jsonShape(" [1, 2] ")).isEqualTo("list");
    assertThat(TextFeatures.jsonKeys("[1, 2]")).isNull();
    assertThat(TextFeatures.jsonShape("42")).isEqualTo("scalar");
    assertThat(TextFeatures.jsonShape("\"text\"")).isEqualTo("scalar");
    assertThat(TextFeatures.isValidJson("null")).isTrue();
  }

  @Test
  void brokenOrWrappedJsonIsInvalid() {
    assertThat(TextFeatures.jsonShape("{\"summary\": \"x\", \"key_features\": [")).isEqualTo("invalid");
    assertThat(TextFeatures.isValidJson("{\"a\": 1} trailing")).isFalse();
    assertThat(TextFeatures.isValidJson("{'a': 1}")).isFalse();
    assertThat(TextFeatures.isValidJson("```json\n{\"a\": 1}\n```")).isFalse();
    assertThat(TextFeatures.isValidJson("plain words")).isFalse();
    assertThat(TextFeatures.isValidJson("")).isFalse();
    // Deeper than Jackson's nesting limit: refused, no stack overflow.
    assertThat(TextFeatures.jsonShape("[".repeat(5000) + "]".repeat(5000))).isEqualTo("invalid");
  }

  @Test
  void xmlMustBeWellFormed() {
    assertThat(TextFeatures.isValidXml("<a><b>x</b></a>")).isTrue();
    assertThat(TextFeatures.isValidXml("  <?xml version=\"1.0\"?>\n<a x=\"1\"/>  ")).isTrue();
    assertThat(TextFeatures.isValidXml("<a><b></a>")).isFalse();
    assertThat(TextFeatures.isValidXml("<p>one</p><p>two</p>")).isFalse(); // two roots
    assertThat(TextFeatures.isValidXml("hello <b>world</b>")).isFalse();
    assertThat(TextFeatures.isValidXml("")).isFalse();
  }

  @Test
  void xmlEntityBombIsRefusedAndExternalEntitiesAreNeverFetched() {
    StringBuilder bomb = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
    for (int i = 1; i <= 10; i++) {
      bomb.append("<!ENTITY lol").append(i).append(" \"")
          .append(("&lol" + (i - 1) + ";").repeat(10)).append("\">");
    }
    bomb.append("]><lolz>&lol10;</lolz>");
    assertThat(TextFeatures.isValidXml(bomb.toString())).isFalse();
    // Port 9 (discard) on loopback: fetching would fail and make the document invalid.
    String external = "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://127.0.0.1:9/r.dtd\">"
        + "<!-- x --><r/>";
    assertThat(TextFeatures.isValidXml(external)).isTrue();
    String entity = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///no/such/file\">]><r>&x;</r>";
    assertThat(TextFeatures.isValidXml(entity)).isTrue();
  }

  @Test
  void nullHasOnlyTheEmptyFeature() {
    TextFeatures.Profile p = TextFeatures.of(null);
    assertThat(p.empty()).isTrue();
    assertThat(p.chars()).isNull();
    assertThat(p.words()).isNull();
    assertThat(p.jsonShape()).isNull();
    assertThat(p.language()).isNull();
    assertThat(TextFeatures.charCount(null)).isNull();
    assertThat(TextFeatures.jsonKeys(null)).isNull();
    assertThat(TextFeatures.isEmpty(null)).isTrue();
  }

  @Test
  void emptyAndBlankTextHaveZeroCountsAndUndefinedShares() {
    for (String text : List.of("", "   \n\t")) {
      TextFeatures.Profile p = TextFeatures.of(text);
      assertThat(p.empty()).isTrue();
      assertThat(p.words()).isZero();
      assertThat(p.sentences()).isZero();
      assertThat(p.nonLetterShare()).isNull();
      assertThat(p.lowerShare()).isNull();
      assertThat(p.oovRate()).isNull();
      assertThat(p.fragments()).isZero();
      assertThat(p.fragmentShare()).isNull();
      assertThat(p.jsonShape()).isEqualTo("invalid");
      assertThat(p.validXml()).isFalse();
      assertThat(p.language()).isEqualTo("und");
    }
    assertThat(TextFeatures.of("").chars()).isZero();
    assertThat(TextFeatures.of("   \n\t").chars()).isEqualTo(5); // 3 spaces, newline, tab
  }

  @Test
  void emojiCountAsOneCharacterEachAndAsNonLetters() {
    String text = "Love it \uD83D\uDE0D\uD83D\uDC4D"; // 12 UTF-16 units, 10 code points
    TextFeatures.Profile p = TextFeatures.of(text);
    assertThat(text.length()).isEqualTo(12);
    assertThat(p.chars()).isEqualTo(10);
    assertThat(p.words()).isEqualTo(2);
    assertThat(p.estimatedTokens()).isEqualTo(3); // ceil(10 / 4)
    assertThat(p.nonLetterShare()).isEqualTo(0.25); // 2 emoji of 8 non-space code points
  }

  @Test
  void japaneseCountsOneWordAndOneTokenPerCharacter() {
    // こ の 製 品 は 軽 い: 7 kana/han characters, then 。 (a common-script terminator).
    TextFeatures.Profile p = TextFeatures.of("この製品は軽い。");
    assertThat(p.chars()).isEqualTo(8);
    assertThat(p.words()).isEqualTo(7);
    assertThat(p.estimatedTokens()).isEqualTo(8); // ceil(1 / 4) + 7
    assertThat(p.sentences()).isEqualTo(1);
    assertThat(p.nonLetterShare()).isEqualTo(0.125);
    assertThat(p.oovRate()).isEqualTo(1.0);
    assertThat(p.lowerShare()).isNull();
    assertThat(p.language()).isEqualTo("ja");
    assertThat(p.fragments()).isNull();
  }

  @Test
  void cyrillicWordsAreCasedAndOutOfVocabulary() {
    TextFeatures.Profile p = TextFeatures.of("Это хороший чайник.");
    assertThat(p.words()).isEqualTo(3);
    assertThat(p.titleShare()).isCloseTo(1.0 / 3, within(EPS));
    assertThat(p.lowerShare()).isCloseTo(2.0 / 3, within(EPS));
    assertThat(p.oovRate()).isEqualTo(1.0);
    assertThat(p.language()).isEqualTo("ru");
  }

  @Test
  void veryLongTextIsMeasuredInOneScan() {
    String text = "word ".repeat(200_000);
    TextFeatures.Profile p = TextFeatures.of(text);
    assertThat(p.chars()).isEqualTo(1_000_000);
    assertThat(p.words()).isEqualTo(200_000);
    assertThat(p.estimatedTokens()).isEqualTo(250_000);
    assertThat(p.sentences()).isEqualTo(1);
    assertThat(p.oovRate()).isZero();
    assertThat(p.fragments()).isEqualTo(1); // one 200,000-word sentence without a verb
  }

  @Test
  void shippedWordListIsTheCompactScowlSelection() {
    assertThat(TextFeatures.WordList.WORDS).hasSizeBetween(60_000, 80_000);
    assertThat(TextFeatures.WordList.WORDS).contains("kettle", "colour", "color", "don't", "usb");
    assertThat(TextFeatures.class.getResource("english-words.NOTICE")).isNotNull();
  }
}
